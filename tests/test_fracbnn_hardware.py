"""FracBNN in hardware: a thermometer-input, fractional-activation TFC (random weights, per-channel
BatchNorms) builds into Thermometer_bcnn -> binary MVAU -> FracMVAU_bcnn x 2 -> binary MVAU, and
simulates bit-exact on every stream, with and without backpressure, within 5 % of the analytic
cycles for the frames' gate pattern; told not to skip LSB passes (lsbSkip 0) the same units run
both passes, exact at the plain 2-bit unit's cycles. A negative BatchNorm gain (a flipped channel) is exact too; a
gate interval changed in the built memory file is caught at the fractional unit. FracBNN's ResNet
(thermometer into a -1 padded binary stem convolution, fractional convolutions with Bi-Real
shortcuts) streams bit-exact the same way; a thermometer code padded with zeros is refused by name."""
import json
import shutil

import numpy as np
import pytest
import torch
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from build_flows.config import BuildConfig
from build_flows.flow import run_build
from build_flows.sim.simulate import simulate
from hw.memfiles import write_gates
from models.errors import BcnnError
from models.export import export_model
from models.random_init import random_model
from tests.streams import simulate_bit_exact

FRAMES = 4
# the fractional units are the bottleneck, so their data-dependent cycles set the frame rate
FOLDING = {"MVAU_hls_0": {"SIMD": 784, "PE": 4}, "Thermometer_bcnn_0": {"PE": 28},
           "FracMVAU_bcnn_0": {"SIMD": 2, "PE": 2}, "FracMVAU_bcnn_1": {"SIMD": 2, "PE": 2}}


@pytest.fixture(scope="module")
def folding(tmp_path_factory):
    path = tmp_path_factory.mktemp("fracbnn") / "folding.json"
    path.write_text(json.dumps(FOLDING))
    return str(path)


@pytest.fixture(scope="module")
def design(built, folding):
    return built("tfc_w1a1", folding=folding, method="fracbnn")


def test_fracbnn_layers_map_to_our_units(design):
    ops = [n.op_type for n in ModelWrapper(str(design / "dataflow.onnx")).graph.node]
    assert ops[0] == "Thermometer_bcnn"
    assert ops.count("FracMVAU_bcnn") == 2
    for node in ModelWrapper(str(design / "dataflow.onnx")).get_nodes_by_op_type("FracMVAU_bcnn"):
        inst = getCustomOp(node)  # per-channel gate intervals (per-channel BatchNorms)
        low, high = np.asarray(inst.get_nodeattr("gateLow")), np.asarray(inst.get_nodeattr("gateHigh"))
        assert len(set(zip(low.tolist(), high.tolist()))) > 1


@pytest.mark.parametrize("backpressure", [False, True], ids=["full_rate", "backpressure"])
def test_fracbnn_streams_bit_exact_near_the_analytic_cycles(design, tmp_path, backpressure):
    out = tmp_path / "design"
    shutil.copytree(design, out)
    report = simulate(out, frames=FRAMES, backpressure=backpressure)
    assert report["bit_exact"], report["first_mismatch"]
    assert len(report["streams"]) >= 6 and not report["streams_with_lost_or_extra_beats"]
    gating = report["fractional_gating"]
    for layer in gating["layers"]:  # the gate skips some LSB work and not all of it
        assert 0.0 < layer["lsb_skipped_fraction"] < 1.0
        assert layer["cycles_per_frame"] < layer["worst_case_cycles_per_frame"]
    estimates = json.loads((out / "report" / "estimates.json").read_text())
    assert report["analytic_cycles_per_frame"] < estimates["analytic_cycles_per_frame"]  # not the worst case
    assert abs(report["cycles_vs_analytic"] - 1.0) <= 0.05


def test_fractional_units_told_to_run_both_passes_take_the_plain_cycles(built, tmp_path_factory, tmp_path):
    path = tmp_path_factory.mktemp("fracbnn_both") / "both_passes.json"
    path.write_text(json.dumps({**FOLDING, **{n: {**FOLDING[n], "lsbSkip": 0} for n in FOLDING if n.startswith("Frac")}}))
    out = built("tfc_w1a1", folding=str(path), method="fracbnn")
    report = simulate(out, frames=FRAMES, backpressure=False)
    assert report["bit_exact"], report["first_mismatch"]
    for layer in report["fractional_gating"]["layers"]:  # the gates still differ, the cycles do not
        assert 0.0 < layer["lsb_skipped_fraction"] < 1.0
        assert layer["cycles_per_frame"] == layer["plain_2bit_cycles_per_frame"] == layer["worst_case_cycles_per_frame"]
    assert abs(report["cycles_vs_analytic"] - 1.0) <= 0.05


def test_a_negative_batchnorm_gain_flips_a_fractional_channel(tmp_path, folding):
    model = random_model("tfc_w1a1", method="fracbnn")
    with torch.no_grad():
        for unit in model.units[1:]:  # the norm after each fractional unit (and its gate)
            unit.norm.weight[::3] *= -1.0
    path = tmp_path / "flipped.onnx"
    export_model(model, path)
    out = run_build(BuildConfig(model=str(path), out=str(tmp_path / "build"), folding=folding), show_progress=False)
    df = ModelWrapper(str(out / "dataflow.onnx"))
    assert [n.op_type for n in df.graph.node].count("FracMVAU_bcnn") == 2  # the signs were absorbed
    report = simulate(out, frames=2)
    assert report["bit_exact"], report["first_mismatch"]


def test_a_changed_gate_interval_is_caught_at_the_fractional_unit(design, tmp_path):
    out = tmp_path / "design"
    shutil.copytree(design, out)
    df = ModelWrapper(str(out / "dataflow.onnx"))
    node = df.get_nodes_by_op_type("FracMVAU_bcnn")[0]
    inst = getCustomOp(node)
    mw, mh = inst.get_nodeattr("MW"), inst.get_nodeattr("MH")
    # every output gated: the LSB pass runs where the trained gate skipped it
    write_gates(out / "rtl" / f"{node.name}_gates.hex", np.zeros(mh, int), np.full(mh, mw), inst.get_nodeattr("PE"),
                (mw + 1).bit_length() + 1)
    report = simulate(out, frames=FRAMES)
    assert not report["bit_exact"]
    assert report["first_mismatch"]["stage"] == node.name


@pytest.fixture(scope="module")
def resnet_design(tmp_path_factory):
    """A random FracBNN resnet_small whose fractional convolutions' norms have some negative gains."""
    model = random_model("resnet_small", method="fracbnn")
    with torch.no_grad():
        for unit in (u for stage in model.stages for u in stage):
            unit.norm.weight[::3] *= -1.0
    root = tmp_path_factory.mktemp("fracbnn_resnet")
    export_model(model, root / "m.onnx")
    return run_build(BuildConfig(model=str(root / "m.onnx"), out=str(root / "build")), show_progress=False)


def test_fracbnn_resnet_maps_to_a_thermometer_stem_and_fractional_convolutions(resnet_design):
    ops = [n.op_type for n in ModelWrapper(str(resnet_design / "dataflow.onnx")).graph.node]
    assert ops[0] == "Thermometer_bcnn"
    # the stem's -1 border of the thermometer code, then its sliding window, then a binary MVAU
    stem = [op for op in ops[1:ops.index("MVAU_bcnn")] if not op.startswith("StreamingDataWidthConverter")]
    assert [op.split("_")[0] for op in stem] == ["FMPadding", "ConvolutionInputGenerator"]
    assert ops.count("FracMVAU_bcnn") == 4 and ops.count("ElementwiseAdd_bcnn") == 3  # signs absorbed


@pytest.mark.parametrize("backpressure", [False, True], ids=["full_rate", "backpressure"])
def test_fracbnn_resnet_streams_bit_exact_near_the_analytic_cycles(resnet_design, tmp_path, backpressure):
    report = simulate_bit_exact(resnet_design, tmp_path, frames=2, backpressure=backpressure, min_streams=39)
    assert all(0.0 < layer["lsb_skipped_fraction"] < 1.0 for layer in report["fractional_gating"]["layers"])
    # lsbSkip's default: a unit skips where a pass is longer than 6 cycles, else takes the plain cycles
    units = {n.name: getCustomOp(n) for n in ModelWrapper(str(resnet_design / "dataflow.onnx")).get_nodes_by_op_type("FracMVAU_bcnn")}
    skipping = {name for name, inst in units.items() if inst.skips_lsb()}
    for layer in report["fractional_gating"]["layers"]:
        if layer["layer"] in skipping:
            assert layer["cycles_per_frame"] < layer["worst_case_cycles_per_frame"]
        else:
            assert layer["cycles_per_frame"] == layer["plain_2bit_cycles_per_frame"]


def test_a_fractional_residual_shortcut_fifo_is_tight(resnet_design):
    """The shortcut around a fractional convolution is sized from its data need like any MVAU's
    (the LSB pass replays the vector the unit holds): at the deadlock-free depth it runs, one
    entry less deadlocks and `bcnn sim` names the join."""
    shortcut = json.loads((resnet_design / "rtl" / "stitch.json").read_text())["shortcuts"][0]
    assert shortcut["exact"] and "FracMVAU_bcnn_0" in shortcut["long_branch"]
    depth = shortcut["deadlock_free_depth"]
    assert simulate(resnet_design, frames=2, probe="last", fifo_caps={shortcut["fifo"]: depth})["bit_exact"]
    with pytest.raises(BcnnError, match="deadlock") as err:
        simulate(resnet_design, frames=2, probe="last", fifo_caps={shortcut["fifo"]: depth - 1})
    assert f"stalled stage: {shortcut['join']}" in str(err.value)


def test_a_changed_gate_interval_is_caught_at_a_fractional_convolution(resnet_design, tmp_path):
    out = tmp_path / "design"
    shutil.copytree(resnet_design, out)
    node = ModelWrapper(str(out / "dataflow.onnx")).get_nodes_by_op_type("FracMVAU_bcnn")[1]
    inst = getCustomOp(node)
    mw, mh = inst.get_nodeattr("MW"), inst.get_nodeattr("MH")
    write_gates(out / "rtl" / f"{node.name}_gates.hex", np.zeros(mh, int), np.full(mh, mw), inst.get_nodeattr("PE"),
                (mw + 1).bit_length() + 1)
    report = simulate(out, frames=1)
    assert not report["bit_exact"] and report["first_mismatch"]["stage"] == node.name


def test_a_zero_padded_thermometer_code_builds_bit_exact(tmp_path):
    """A stem convolution that pads the thermometer code with zeros (not -1, a black pixel's code)
    is a zero-padded binary convolution (transformation/zero_padding.py): exact, border included."""
    model = random_model("resnet_small", method="fracbnn")
    model.stem.pad, model.stem.layer.padding = torch.nn.Identity(), (1, 1)
    export_model(model, tmp_path / "m.onnx")
    out = run_build(BuildConfig(model=str(tmp_path / "m.onnx"), out=str(tmp_path / "b"), outputs=["estimates", "rtl", "sim"]),
                    show_progress=False)
    df = ModelWrapper(str(out / "dataflow.onnx"))
    assert any(a.name == "zeroPadBorder" for n in df.get_nodes_by_op_type("MVAU_bcnn") for a in n.attribute)
    report = json.loads((out / "sim" / "report.json").read_text())
    assert report["bit_exact"] and report["cycles_per_frame"] <= 1.05 * report["analytic_cycles_per_frame"]
