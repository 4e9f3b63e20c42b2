"""Residual (Bi-Real) models in hardware: the fork and join map to bcnn_fork/bcnn_add, the
shortcut's FIFO gets the depth the long branch needs, and the stitched design simulates bit-exact
on every stream (shortcut included), with and without backpressure, at the analytic interval.
A wide activation gets its own thresholding layer. One entry less on the shortcut deadlocks, and `bcnn sim` names the join and its full shortcut;
a wrong join (an operand's sign dropped) is caught at the join's stream."""
import json
import math
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from build_flows.cli import main
from build_flows.sim.simulate import simulate
from build_flows.sim.verilator import VERILATOR
from models.errors import BcnnError

# (model, target FPS): fully connected at the default target (PE = SIMD = 1) and at a parallel one
# (width converters on both branches); the small ResNet (padding and sliding windows in the branch)
CASES = [("tfc_w1a1", None), ("tfc_w1a1", 40000.0), ("resnet_small", None)]


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def stitch_info(out) -> dict:
    return json.loads((out / "rtl" / "stitch.json").read_text())


@pytest.fixture(scope="module", params=CASES, ids=["tfc", "tfc-parallel", "resnet"])
def residual(request, built):
    name, fps = request.param
    return built(name, method="bireal", target_fps=fps) if fps else built(name, method="bireal")


def expected_lead(df, shortcut) -> int:
    """Fork elements the long branch reads before its first output, from the layers' attributes:
    a matrix-vector unit's whole input vector; behind a padding and a 3x3 window, one padded row
    and one pixel more of the input (the window's last pixel), all channels."""
    layers = [getCustomOp(df.get_node_from_name(n)) for n in shortcut["long_branch"]]
    pads = [layer for layer in layers if layer.onnx_node.op_type.startswith("FMPadding")]
    if not pads:
        return next(layer for layer in layers if layer.onnx_node.op_type.startswith("MVAU")).get_nodeattr("MW")
    width = pads[0].get_nodeattr("ImgDim")[1]
    return (width + 2) * pads[0].get_nodeattr("NumChannels")


def test_forks_and_joins_map_to_bcnn_layers(residual):
    df = ModelWrapper(str(residual / "dataflow.onnx"))
    ops = [n.op_type for n in df.graph.node]
    # TFC: 2 of 3 hidden layers have equal widths; the ResNet: 3 of 4 units (one widens)
    assert ops.count("DuplicateStreams_bcnn") == ops.count("ElementwiseAdd_bcnn") in (2, 3)
    assert all(op.endswith("_bcnn") or op.endswith("_rtl") for op in ops)


def test_shortcut_depth_is_the_long_branchs_lead_less_the_forks_register(residual):
    df = ModelWrapper(str(residual / "dataflow.onnx"))
    info = stitch_info(residual)
    assert len(info["shortcuts"]) == [n.op_type for n in df.graph.node].count("ElementwiseAdd_bcnn")
    for shortcut in info["shortcuts"]:
        fork = getCustomOp(df.get_node_from_name(shortcut["fork"]))
        join = getCustomOp(df.get_node_from_name(shortcut["join"]))
        lead, fork_pe, join_pe = expected_lead(df, shortcut), fork.get_nodeattr("PE"), join.get_nodeattr("PE")
        assert shortcut["exact"] and shortcut["lead_elements"] == lead
        assert shortcut["deadlock_free_depth"] == math.ceil((lead - fork_pe) / join_pe)
        # room for what the long branch's FIFOs hold ahead comes on top
        assert shortcut["depth"] == shortcut["deadlock_free_depth"] + math.ceil(shortcut["branch_buffer_elements"] / join_pe)
        assert info["fifo_depths"][info["fifo_names"].index(shortcut["fifo"])] == shortcut["depth"]
    assert info["shortcut_fifo_bits"] == sum(s["bits"] for s in info["shortcuts"]) > 0


@pytest.mark.parametrize("backpressure", [False, True])
def test_every_stream_is_bit_exact_at_the_analytic_interval(residual, backpressure):
    report = simulate(residual, frames=3, backpressure=backpressure)
    assert report["bit_exact"], report["first_mismatch"]
    names = [s["stage"] for s in report["streams"]]
    forks = len(stitch_info(residual)["shortcuts"])
    assert sum(n.startswith("DuplicateStreams") for n in names) == 2 * forks  # both outputs of every fork
    assert all(s["count_ok"] and s["beats"] >= s["expected_beats"] > 0 for s in report["streams"])
    if not backpressure:
        assert report["cycles_vs_analytic"] == pytest.approx(1.0, abs=0.05)


def test_the_deadlock_free_depth_is_tight_and_a_deadlock_names_the_join(built):
    """At the deadlock-free depth the block runs (more slowly); one entry less, it deadlocks. On
    the ResNet, whose long branch has padding and a sliding window (a matrix-vector unit's bound,
    the fully connected case, is the simpler one). The design as built, its shortcut FIFO held at
    those depths (a FIFO stitched at them: hw/fifo/test_bcnn_fifo.py)."""
    residual = built("resnet_small", method="bireal")
    shortcut = stitch_info(residual)["shortcuts"][-1]
    depth = shortcut["deadlock_free_depth"]
    assert depth < shortcut["depth"]  # stitched with slack for rate
    assert simulate(residual, frames=2, probe="last", fifo_caps={shortcut["fifo"]: depth})["bit_exact"]
    with pytest.raises(BcnnError, match="deadlock") as err:
        simulate(residual, frames=2, probe="last", fifo_caps={shortcut["fifo"]: depth - 1})
    assert f"stalled stage: {shortcut['join']}" in str(err.value) and "the shortcut" in str(err.value)


def test_a_join_that_drops_the_shortcuts_sign_is_caught_at_the_join(built, tmp_path):
    out = tmp_path / "mutated"
    shutil.copytree(built("tfc_w1a1", method="bireal"), out)
    join = stitch_info(out)["shortcuts"][0]["join"]
    core = out / "rtl" / "bcnn_core.sv"
    lines = core.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("bcnn_add") and join in line)
    lines[at] = lines[at].replace(".B_SIGNED(1)", ".B_SIGNED(0)")
    assert ".B_SIGNED(0)" in lines[at]
    core.write_text("\n".join(lines) + "\n")
    report = simulate(out, frames=3)
    assert not report["bit_exact"] and report["first_mismatch"]["stage"] == join


def test_the_residual_core_lints_clean(residual):
    info = stitch_info(residual)
    for defines in ([], ["-DSYNTHESIS"]):
        proc = subprocess.run([str(VERILATOR), "--lint-only", "-Wall", "-Wno-fatal", *defines, "--top-module", "bcnn_core",
                               *info["sources"]], capture_output=True, text=True, cwd=residual / "rtl")
        ours = [line for line in proc.stderr.splitlines() if line.startswith("%") and "bcnn_core.sv" in line]
        assert proc.returncode == 0 and not ours, ours


def test_an_unknown_fifo_name_is_one_clear_error(exported, tmp_path):
    result = run_cli("build", exported("tfc_w1a1", "bireal"), "--fifo", "MVAU_bcnn_9->nowhere=4", "--out", tmp_path / "b")
    assert result.exit_code == 2 and "MVAU_bcnn_9->nowhere=4" in result.output
    assert "DuplicateStreams_bcnn_0->ElementwiseAdd_bcnn_0" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "b").exists()
    bad = run_cli("build", exported("tfc_w1a1", "bireal"), "--fifo", "no-depth", "--out", tmp_path / "b")
    assert bad.exit_code == 2 and "PRODUCER->CONSUMER=DEPTH" in bad.output


def test_a_wide_activation_gets_its_own_thresholding_layer(residual):
    """The branch ends on the 8-bit grid: no MVAU keeps more than 3 thresholds per channel."""
    df = ModelWrapper(str(residual / "dataflow.onnx"))
    for node in df.get_nodes_by_op_type("MVAU_bcnn"):
        thresholds = df.get_initializer(node.input[2]) if len(node.input) > 2 else None
        assert thresholds is None or thresholds.shape[-1] <= 3
    assert sum(df.get_initializer(n.input[1]).shape[-1] == 255 for n in df.get_nodes_by_op_type("Thresholding_bcnn")) >= 2
