"""Every check of `bcnn sim` can fail: one weight bit, one threshold bit and one layer-output bit
changed in a built design are each caught, at the stage that holds them, within the test's
frames; a deadlock replaces an older verdict instead of leaving it behind.

The weight and threshold bits are chosen with the python reference, so that they change an
output within these frames (a binary neuron's output only changes where its accumulator meets
its threshold); the hidden layer they sit in is not the last, so a check of the label alone
would have to be lucky to see them."""
import json
import re
import shutil

import numpy as np
import pytest
from qonnx.core.modelwrapper import ModelWrapper

from build_flows.finn_env import generic_view
from build_flows.sim import simulate as sim_module
from build_flows.sim.simulate import load_frames, simulate
from build_flows.sim.streams import dataflow_input, dataflow_outputs
from models.errors import BcnnError

FRAMES = 6
LAYER = "MVAU_bcnn_1"  # a hidden binary layer of tfc_w1a1: 64 x 64, PE 8, SIMD 8


@pytest.fixture()
def design(built, tmp_path):
    """A private copy of tfc_w1a1 (finn-examples folding) and its layer's reference values."""
    out = tmp_path / "tfc"
    shutil.copytree(built("tfc_w1a1", folding="tfc_w1a1"), out)
    df = ModelWrapper(str(out / "dataflow.onnx"))
    view = generic_view(df)
    index = [n.name for n in df.graph.node].index(LAYER)
    node = df.graph.node[index]
    model = ModelWrapper(str(out / "model.onnx"))
    frames = load_frames(model, FRAMES, None, 0, 255.0)  # what simulate(out, FRAMES) streams
    inputs = np.stack([dataflow_outputs(view, dataflow_input(model, f))[index - 1].reshape(-1) for f in frames])
    weights = np.asarray(df.get_initializer(node.input[1])).T  # (MH, MW), bipolar
    thresholds = np.asarray(df.get_initializer(node.input[2]))[:, 0]
    acc = ((inputs[:, None, :] > 0) == (weights[None] > 0)).sum(-1)  # XNOR popcount, (frames, MH)
    return out, acc, inputs, weights, thresholds


def flip_hex_bit(path, word: int, bit: int) -> None:
    words = path.read_text().split()
    words[word] = format(int(words[word], 16) ^ (1 << bit), f"0{len(words[word])}x")
    path.write_text("\n".join(words) + "\n")


def params(out, name):
    info = json.loads((out / "rtl" / "stitch.json").read_text())
    return next(s["params"] for s in info["stages"] if s["name"] == name)


def assert_caught(out, frame: int):
    report = simulate(out, frames=FRAMES)
    assert not report["bit_exact"], "the mutation went unnoticed"
    first = report["first_mismatch"]
    assert (first["stage"], first["frame"]) == (LAYER, frame), first
    assert first["expected"] != first["got"]
    return report


def test_the_unmutated_copy_is_bit_exact(design):
    out, *_ = design
    report = simulate(out, frames=FRAMES)
    assert report["bit_exact"] and report["first_mismatch"] is None
    assert all(s["beats"] == s["expected_beats"] and s["mismatched_frames"] == 0 for s in report["streams"])


def test_one_flipped_weight_bit_is_caught_at_its_layer(design):
    out, acc, inputs, weights, thresholds = design
    p = params(out, LAYER)
    # a neuron one match from its threshold in some frame, and an input bit that moves it across
    frame, neuron = next((f, n) for f in range(FRAMES) for n in range(len(thresholds))
                         if acc[f, n] in (thresholds[n], thresholds[n] - 1))
    up = acc[frame, neuron] < thresholds[neuron]  # needs one more match
    matches = (inputs[frame] > 0) == (weights[neuron] > 0)
    k = int(np.nonzero(~matches if up else matches)[0][0])
    delta = np.where((inputs[:, k] > 0) == (weights[neuron, k] > 0), -1, 1)  # per frame, after the flip
    t = thresholds[neuron]
    frame = int(np.argmax((acc[:, neuron] >= t) != (acc[:, neuron] + delta >= t)))  # the first frame it shows
    nf, pe = divmod(neuron, p["PE"])
    sf, s = divmod(k, p["SIMD"])
    flip_hex_bit(out / "rtl" / p["WEIGHT_FILE"], nf * (p["MW"] // p["SIMD"]) + sf, pe * p["SIMD"] + s)
    assert_caught(out, frame)


def test_one_flipped_threshold_bit_is_caught_at_its_layer(design):
    out, acc, _, _, thresholds = design
    p = params(out, LAYER)
    frame, neuron, bit = min((f, n, b) for n in range(len(thresholds)) for b in range(p["ACC_BITS"] - 1)
                             for f in range(FRAMES)
                             if (acc[f, n] >= thresholds[n]) != (acc[f, n] >= int(thresholds[n]) ^ (1 << b)))
    nf, pe = divmod(neuron, p["PE"])
    flip_hex_bit(out / "rtl" / p["THRESH_FILE"], nf, pe * p["ACC_BITS"] + bit)  # one threshold per channel
    assert_caught(out, frame)


def test_one_flipped_output_bit_is_caught_at_its_layer(design):
    out, *_ = design
    core = out / "rtl" / "bcnn_core.sv"
    text = core.read_text()
    stage = re.search(rf"u(\d+)_{LAYER} \(", text).group(1)
    width = re.search(rf"logic \[(\d+):0\] s{stage}_out0_tdata;", text).group(1)
    text = text.replace(f".out_tdata(s{stage}_out0_tdata)", f".out_tdata(s{stage}_raw)")
    text = text.replace("endmodule", f"  logic [{width}:0] s{stage}_raw;\n  assign s{stage}_out0_tdata = s{stage}_raw ^ "
                                     f"{int(width) + 1}'(4);  // bit 2 of every beat inverted\nendmodule")
    core.write_text(text)
    report = assert_caught(out, 0)
    assert report["first_mismatch"]["beat"] == 0 and report["first_mismatch"]["element"] == 2


def test_a_layer_that_ignores_ready_is_caught_by_its_beat_counts(design):
    """The label head made deaf to the harness' ready repeats its beat every cycle: from outside
    that is a valid stream of wrong length, which the per-stream beat counts expose."""
    out, *_ = design
    core = out / "rtl" / "bcnn_core.sv"
    core.write_text(re.sub(r"assign (s\d+_out0_tready) = out_tready;", r"assign \1 = 1'b0;", core.read_text()))
    report = simulate(out, frames=2)
    assert not report["bit_exact"] and "LabelSelect_bcnn_0" in report["streams_with_lost_or_extra_beats"]


def test_a_deadlock_replaces_the_previous_verdict(design, monkeypatch):
    out, *_ = design
    assert simulate(out, frames=2)["bit_exact"]
    core = out / "rtl" / "bcnn_core.sv"
    text = core.read_text()
    stage = re.search(r"u(\d+)_LabelSelect_bcnn_0 \(", text).group(1)  # the label head never takes a beat
    text = text.replace(f".in_tvalid(s{stage}_in0_tvalid), .in_tready(s{stage}_in0_tready)", ".in_tvalid(1'b0), .in_tready()")
    core.write_text(text.replace("endmodule", f"  assign s{stage}_in0_tready = 1'b0;\nendmodule"))
    monkeypatch.setattr(sim_module, "MAX_IDLE_CYCLES", 2000)
    with pytest.raises(BcnnError, match="deadlock.*stalled stage: LabelSelect_bcnn_0"):
        simulate(out, frames=2)
    report = json.loads((out / "sim" / "report.json").read_text())
    assert report["bit_exact"] is False and "deadlock" in report["error"]
    assert report["stream_beats"]["LabelSelect_bcnn_0"]["beats"] == 0
