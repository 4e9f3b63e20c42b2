"""Cycle-accurate simulation of the stitched RTL (Verilator) against QONNX execution: bit-exact
outputs, cycles per frame near FINN+'s analytic bound, backpressure, deadlock detection."""
import json
import shutil
import subprocess

import numpy as np
import pytest
import yaml
import torch
from brevitas.nn import QuantLinear
from click.testing import CliRunner

from build_flows.cli import main
from build_flows.config import BuildConfig
from build_flows.flow import run_build
from build_flows.sim import verilator as vl
from build_flows.sim import simulate as simulate_module
from build_flows.sim.simulate import simulate, stalled_stage
from build_flows.sim.verilator import VERILATOR
from hw import source_root
from models.export import export_model, sample_inputs
from models.registry import build_model

# CNV at its default folding (a slow design: long frames) repeats what its finn-examples folding
# covers in CI: `heavy`
CASES = [("tfc_w1a1", None), ("tfc_w2a2", None), pytest.param("cnv_w1a1", None, marks=pytest.mark.heavy),
         pytest.param("cnv_w1a2", None, marks=pytest.mark.heavy), pytest.param("cnv_w2a2", None, marks=pytest.mark.heavy),
         ("tfc_w1a1", "tfc_w1a1"), ("cnv_w1a1", "cnv_w1a1")]


@pytest.mark.slow
@pytest.mark.parametrize("name, folding", CASES)
def test_simulation_is_bit_exact_and_near_the_analytic_bound(built, name, folding):
    out = built(name, folding=folding)
    report = simulate(out, frames=3)
    assert report["bit_exact"] and report["mismatches"] == 0 and report["frames"] == 3
    assert 0.99 <= report["cycles_vs_analytic"] <= 1.02, report["cycles_per_frame"]
    assert report["latency_cycles"] > 0 and report["sim_cycles_per_second"] > 0
    assert all(0 < v <= d for v, d in zip(report["max_fifo_occupancy"].values(), report["fifo_depths"]))
    on_disk = json.loads((out / "sim" / "report.json").read_text())
    assert on_disk["cycles_per_frame"] == report["cycles_per_frame"]
    stalled = simulate(out, frames=3, backpressure=True)
    assert stalled["bit_exact"] and stalled["labels_sim"] == report["labels_sim"]


def test_cnv_w1a1_finn_examples_folding_reaches_32768_cycles_per_frame(built):
    report = simulate(built("cnv_w1a1", folding="cnv_w1a1"), frames=4)
    assert report["bit_exact"]
    assert abs(report["cycles_per_frame"] - 32768) <= 0.02 * 32768
    assert report["fps_at_clock"] >= 2990


def test_user_frames_from_npy_and_input_errors(built, tmp_path):
    out = built("tfc_w1a1", folding="tfc_w1a1")
    pixels = np.random.default_rng(3).integers(0, 256, (5, 1, 28, 28)).astype(np.uint8)
    np.save(tmp_path / "frames.npy", pixels)
    result = CliRunner().invoke(main, ["sim", str(out), "--frames", "9", "--input", str(tmp_path / "frames.npy")])
    assert result.exit_code == 0 and "5 frames, 8 stream(s) compared, bit_exact=True" in result.output, result.output
    result = CliRunner().invoke(main, ["sim", str(out), "--frames", "9", "--input", str(tmp_path / "frames.npy"),
                                       "--probe", "last"])
    assert result.exit_code == 0 and "5 frames, 1 stream(s) compared, bit_exact=True" in result.output, result.output
    np.save(tmp_path / "bad.npy", pixels[:, :, :10])
    result = CliRunner().invoke(main, ["sim", str(out), "--input", str(tmp_path / "bad.npy")])
    assert result.exit_code == 2 and "expected (N, 1, 28, 28)" in result.stderr


def test_a_fifo_held_lower_for_one_run_and_its_errors(built, tmp_path):
    """`bcnn sim --fifo NAME=DEPTH` runs the compiled design with that FIFO held at DEPTH: a
    1-deep FIFO slows its stream (it takes a word every other cycle: its ready does not look at
    the consumer), and the design falls behind its analytic 64 cycles per frame."""
    out = tmp_path / "tfc"
    shutil.copytree(built("tfc_w1a1", folding="tfc_w1a1"), out)
    info = json.loads((out / "rtl" / "stitch.json").read_text())
    first = info["fifo_names"][0]
    result = CliRunner().invoke(main, ["sim", str(out), "--frames", "3", "--fifo", f"{first}=1"])
    assert result.exit_code == 0 and "bit_exact=True" in result.output, result.output
    held = json.loads((out / "sim" / "report.json").read_text())
    assert held["fifo_caps"] == {first: 1} and held["fifo_depths"][0] == 1
    assert held["cycles_per_frame"] > held["analytic_cycles_per_frame"] == 64
    result = CliRunner().invoke(main, ["sim", str(out), "--fifo", "A->B=4"])
    assert result.exit_code == 2 and "FIFO 'A->B' is not in this design" in result.stderr and first in result.stderr
    too_deep = info["fifo_depths"][0] + 1
    result = CliRunner().invoke(main, ["sim", str(out), "--fifo", f"{first}={too_deep}"])
    assert result.exit_code == 2 and f"1 to {too_deep - 1} words" in result.stderr
    fifo = out / "rtl" / "bcnn_fifo.sv"  # a build stitched before FIFOs could be held lower
    fifo.write_text(fifo.read_text().replace("bcnn_fifo_cap_", "bcnn_fifo_size_"))
    result = CliRunner().invoke(main, ["sim", str(out), "--fifo", f"{first}=1"])
    assert result.exit_code == 2 and "build it again" in result.stderr


def test_sim_of_an_hls_build_says_what_is_missing(built):
    result = CliRunner().invoke(main, ["sim", str(built("tfc_w1a1", backend="hls"))])
    assert result.exit_code == 2 and "no stitched RTL" in result.stderr


def test_a_design_that_stops_moving_is_reported_not_hung(tmp_path):
    binary = vl.build([source_root() / "fifo" / "bcnn_fifo.sv"], "bcnn_fifo", {"WIDTH": 8, "DEPTH": 4})
    with pytest.raises(vl.Deadlock, match="no progress for 500 cycles"):
        vl.run(binary, tmp_path, vl.pack(np.ones((10, 1)), 8), 8, 10, ready_percent=0, max_idle=500)


def fifo_info(edges, depth=4):
    streams = [{"src": a, "dst": b, "depth": depth, "shortcut": b == "add" and a == "fork"} for a, b in edges]
    return {"streams": streams, "fifo_names": [f"{a}->{b}" for a, b in edges]}


def test_the_stalled_stage_is_named():
    chain = fifo_info([("a", "b"), ("b", "c"), ("c", "d")])
    assert "stalled stage: c" in stalled_stage(chain, [4, 4, 0])
    assert "stalled stage: d, input waiting" in stalled_stage(chain, [1, 2, 3])
    assert "stalled stage: b, input waiting" in stalled_stage(chain, [2, 0, 0])
    assert "FIFO occupancies" in stalled_stage(chain, [0, 0, 0])
    residual = fifo_info([("fork", "mvau"), ("fork", "add"), ("mvau", "add")])
    said = stalled_stage(residual, [0, 4, 0])
    assert "stalled stage: add" in said and "from fork full" in said and "the shortcut" in said


@pytest.mark.parametrize("name, folding", [("tfc_w1a1", "tfc_w1a1"), ("cnv_w1a1", "cnv_w1a1")])
def test_stitched_top_lints_clean_and_is_deterministic(built, exported, tmp_path, name, folding):
    out = built(name, folding=folding)
    info = json.loads((out / "rtl" / "stitch.json").read_text())
    for top in ("bcnn_core", "bcnn_top"):  # with and without the simulation-only checks
        for defines in ([], ["-DSYNTHESIS"]):
            proc = subprocess.run([str(VERILATOR), "--lint-only", "-Wall", "-Wno-fatal", *defines, "--top-module", top,
                                   *info["sources"]], capture_output=True, text=True, cwd=out / "rtl")
            ours = [line for line in proc.stderr.splitlines()
                    if line.startswith("%") and ("bcnn_core.sv" in line or "bcnn_top.sv" in line)]
            assert proc.returncode == 0 and not ours, ours
    assert all("/" not in name for name in info["sources"] + info["memory_files"])  # all inside rtl/
    if name != "tfc_w1a1":  # determinism: once (a rebuild of CNV repeats it at 50 s)
        return
    again = run_build(BuildConfig(model=str(exported(name)), out=str(tmp_path / "again"), folding=folding),
                      show_progress=False)
    for path in sorted((out / "rtl").iterdir()):
        assert (again / "rtl" / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_copied_build_simulates_its_own_sources(built, tmp_path):
    """rtl/ is self-contained: a copy whose original is gone simulates, and a change to the copy's
    memory files is what the simulation sees."""
    copy = tmp_path / "copy"
    shutil.copytree(built("tfc_w1a1", folding="tfc_w1a1"), copy)
    assert simulate(copy, frames=2)["bit_exact"]
    weights = copy / "rtl" / "MVAU_bcnn_3_weights.hex"
    words = weights.read_text().split()
    words[0] = format(int(words[0], 16) ^ 1, f"0{len(words[0])}x")
    weights.write_text("\n".join(words) + "\n")
    report = simulate(copy, frames=2)
    assert not report["bit_exact"] and report["first_mismatch"]["stage"] == "MVAU_bcnn_3"


def test_a_full_popcount_score_does_not_wrap(tmp_path):
    """A classifier row equal to the last hidden activation scores the maximum popcount (64 of
    64). FINN+ declares that accumulator INT7 (max 63); the flow widens it, so the RTL gives
    class 0 like torch instead of wrapping to -64 (12 of 200 MNIST test images differed)."""
    torch.manual_seed(0)
    model = build_model("tfc_w1a1").eval()
    x = sample_inputs(model.in_shape, 1, seed=5)
    with torch.no_grad():
        hidden = {"h": model.head[0](model.units(model.input_quant(2.0 * x.flatten(1) - 1.0)))}
        classifier = [m for m in model.head if isinstance(m, QuantLinear)][0]
        classifier.weight[0] = hidden["h"][0]
        model.head[-1].weight.fill_(1.0)  # a positive ScalarNorm gain: argmax is the top popcount
        assert int(model(x).argmax()) == 0
    export_model(model, tmp_path / "m.onnx")
    out = run_build(BuildConfig(model=str(tmp_path / "m.onnx"), out=str(tmp_path / "b")), show_progress=False)
    np.save(tmp_path / "x.npy", np.round(x.numpy() * 255).astype(np.uint8))
    report = simulate(out, frames=1, input_npy=tmp_path / "x.npy")
    assert report["bit_exact"] and report["labels_sim"] == [[0]]


def test_sim_as_a_build_output(built):
    out = built("tfc_w1a1", folding="tfc_w1a1", outputs=["sim"])
    report = json.loads((out / "sim" / "report.json").read_text())
    assert report["bit_exact"] and report["frames"] == 4 and len(report["streams"]) == 8
    assert yaml.safe_load((out / "build.yaml").read_text())["out"] == str(out)  # not the partial directory's


def test_the_overlapped_reference_compares_by_digest_and_still_says_where(built):
    """bcnn sim hashes the python execution's words while Verilator runs and compares digests
    after it: equal words pass, a wider bus's extra words are ignored, one flipped element bit
    fails its frame and stream and is located by executing that frame again."""
    from qonnx.core.modelwrapper import ModelWrapper

    from build_flows.finn_env import generic_view
    from build_flows.sim.simulate import load_frames
    from build_flows.sim.streams import compare_streams, dataflow_input, dataflow_outputs, layouts, reference_digests

    out = built("tfc_w1a1", folding="tfc_w1a1")
    model, df = ModelWrapper(str(out / "model.onnx")), ModelWrapper(str(out / "dataflow.onnx"))
    view, streams = generic_view(df), layouts(df)
    df_inputs = [dataflow_input(model, f) for f in load_frames(model, 2, None, 0, 255.0)]
    digests = reference_digests(view, df_inputs, streams)
    # the words each stream carries, with a spare word of padding per beat, as a wider bus records them
    words = [np.concatenate([np.pad(vl.pack(s.beats(t), s.dtype.bitwidth()), ((0, 0), (0, 1)))
                             for t in (dataflow_outputs(view, x)[i] for x in df_inputs)])
             for i, s in enumerate(streams)]
    _, first, bad = compare_streams(view, df_inputs, streams, words, digests)
    assert first is None and not bad
    words[2][:, -1] = 0xFFFFFFFF  # padding bits only
    assert not compare_streams(view, df_inputs, streams, words, digests)[2]
    stream = streams[2]
    words[2][stream.beats_per_frame + 1, 0] ^= 1  # frame 1, beat 1, element 0
    per_stream, first, bad = compare_streams(view, df_inputs, streams, words, digests)
    assert bad == {1} and per_stream[2]["mismatched_frames"] == 1
    assert (first.stage, first.frame, first.beat, first.element) == (stream.name, 1, 1, 0)


def test_data_moving_inside_is_progress_not_a_deadlock(built, tmp_path, monkeypatch):
    """The idle limit counts cycles in which nothing moves anywhere, not only at the ports: DGRL's
    ResNet-20 first emits after a frame per SI unit (each pixel sum waits for a whole frame), longer
    than the limit, while data moves inside. Here the limit is cut to 20 cycles: fewer than the tfc
    takes between its last input and its first output (counting only port handshakes, this run
    stopped as a deadlock), more than any of its layers computes without a FIFO's occupancy moving."""
    out = tmp_path / "design"
    shutil.copytree(built("tfc_w1a1", folding="tfc_w1a1"), out)
    monkeypatch.setattr(simulate_module, "MAX_IDLE_CYCLES", 20)
    report = simulate(out, frames=2)
    assert report["bit_exact"]
