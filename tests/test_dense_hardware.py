"""SoFAr's DRF-DenseNet in hardware: dense connections stream through bcnn_concat
(StreamingConcat_bcnn) fed by the block input's fork and by the columns' units. Every input of a
concatenation that holds elements while another is awaited gets a FIFO sized from the branches'
needs; the design streams bit-exact on every stream, with and without backpressure, at its
analytic cycles. The block input's FIFO into a concatenation is tight (one entry less deadlocks,
and the stall names the concatenation), and a concatenation that corrupts one beat is caught at
its own stream."""
import json
import shutil

import pytest
from qonnx.core.modelwrapper import ModelWrapper

from build_flows.sim.simulate import simulate
from models.errors import BcnnError
from tests.streams import simulate_bit_exact


@pytest.fixture(scope="module")
def design(built):
    return built("drf_densenet_small", method="sofar")


def stitch_info(out) -> dict:
    return json.loads((out / "rtl" / "stitch.json").read_text())


def test_dense_connections_map_to_concatenations_with_sized_inputs(design):
    df = ModelWrapper(str(design / "dataflow.onnx"))
    ops = [n.op_type for n in df.graph.node]
    assert ops.count("StreamingConcat_bcnn") == 4 and ops.count("DuplicateStreams_bcnn") == 2
    concats = [n for n in df.graph.node if n.op_type == "StreamingConcat_bcnn"]
    assert sorted(len(n.input) for n in concats) == [2, 2, 3, 3]  # a unit's dense input; a block's output
    shortcuts = stitch_info(design)["shortcuts"]
    for node in concats:  # the block input waits at every concatenation
        sized = [s for s in shortcuts if s["join"] == node.name]
        identity = [s for s in sized if s["fifo"].startswith("DuplicateStreams")]
        assert len(identity) == 1 and identity[0]["exact"] and identity[0]["lead_elements"] > 0
        assert all(s["depth"] >= s["deadlock_free_depth"] > 0 for s in sized)
    fifos = dict(zip(stitch_info(design)["fifo_names"], stitch_info(design)["fifo_depths"]))
    assert all(fifos[s["fifo"]] == s["depth"] for s in shortcuts)


@pytest.mark.parametrize("backpressure", [False, True], ids=["full_rate", "backpressure"])
def test_drf_densenet_streams_bit_exact_at_the_analytic_interval(design, tmp_path, backpressure):
    simulate_bit_exact(design, tmp_path, frames=3, backpressure=backpressure, min_streams=50)


def test_the_block_inputs_fifo_into_a_concatenation_is_tight(design):
    shortcut = next(s for s in stitch_info(design)["shortcuts"]
                    if s["join"] == "StreamingConcat_bcnn_0" and s["fifo"].startswith("DuplicateStreams"))
    depth = shortcut["deadlock_free_depth"]
    tight = simulate(design, frames=2, probe="last", fifo_caps={shortcut["fifo"]: depth})
    assert tight["bit_exact"] and tight["fifo_depths"][stitch_info(design)["fifo_names"].index(shortcut["fifo"])] == depth
    with pytest.raises(BcnnError, match="deadlock") as err:
        simulate(design, frames=2, probe="last", fifo_caps={shortcut["fifo"]: depth - 1})
    assert "stalled stage: StreamingConcat_bcnn_0" in str(err.value)


def test_a_concatenation_that_flips_a_bit_is_caught_at_its_stream(design, tmp_path):
    out = tmp_path / "mutated"
    shutil.copytree(design, out)
    source = out / "rtl" / "bcnn_concat.sv"
    text = source.read_text()
    # one bit of input 1's first beat of every pixel flipped
    mutated = text.replace("out_tdata <= in_tdata[WIDTH*sel+:WIDTH];",
                           "out_tdata <= in_tdata[WIDTH*sel+:WIDTH] ^ WIDTH'(sel == 1 && beat == 0);")
    assert mutated != text
    source.write_text(mutated)
    report = simulate(out, frames=2)
    assert not report["bit_exact"] and report["first_mismatch"]["stage"].startswith("StreamingConcat_bcnn")
