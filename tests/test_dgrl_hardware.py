"""DGRL's Squeeze-and-Interaction shortcut in hardware: the SI branch's pixel sum streams through
bcnn_global_sum (GlobalSum_bcnn), its small binary FC stage through MVAUs, and its output is
repeated at every pixel (BroadcastPixels_bcnn on bcnn_repeat) into an adding join with the block's
output. That join waits a whole frame for the SI vector, so its FIFO holds the block's output
frame (computed from the branches' needs: a pixel sum needs its whole input frame), and no more;
the design streams bit-exact on every stream, with and without backpressure, at its analytic
cycles. A FIFO far below a frame deadlocks and the stall names the join; a pixel sum that reads its lanes as
unsigned is caught at its own stream."""
import json
import math
import shutil

import pytest
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from build_flows.sim.simulate import simulate
from models.errors import BcnnError
from tests.streams import simulate_bit_exact


@pytest.fixture(scope="module")
def design(built):
    return built("resnet_small", method="dgrl")


def stitch_info(out) -> dict:
    return json.loads((out / "rtl" / "stitch.json").read_text())


def si_joins(design) -> list:
    """The joins an SI output enters, with the sizing of their waiting (block output) input."""
    df = ModelWrapper(str(design / "dataflow.onnx"))
    joins = [c for b in df.get_nodes_by_op_type("BroadcastPixels_bcnn") for c in df.find_consumers(b.output[0])]
    shortcuts = {s["join"]: s for s in stitch_info(design)["shortcuts"]}
    return [(df, join, shortcuts[join.name]) for join in joins]


def test_si_branches_map_to_a_pixel_sum_fc_stage_and_broadcast(design):
    ops = [n.op_type for n in ModelWrapper(str(design / "dataflow.onnx")).graph.node]
    # three residual units with an SI branch (the widening unit has neither shortcut nor SI)
    assert ops.count("GlobalSum_bcnn") == ops.count("BroadcastPixels_bcnn") == 3
    assert ops.count("ElementwiseAdd_bcnn") == 6 and ops.count("DuplicateStreams_bcnn") == 3
    assert all(op.endswith(("_bcnn", "_rtl")) for op in ops)


def test_an_si_join_holds_the_block_output_frame(design):
    found = si_joins(design)
    assert len(found) == 3
    for _, join, sized in found:
        words = math.prod(getCustomOp(join).get_folded_input_shape(0)[1:-1])  # pixels x folds: one frame
        assert sized["exact"] and sized["deadlock_free_depth"] == words
        # no more: what the SI branch buffers past its pixel sum does not let the fork run ahead
        assert sized["branch_buffer_elements"] == 0 and sized["depth"] == sized["deadlock_free_depth"]


@pytest.mark.parametrize("backpressure", [False, True], ids=["full_rate", "backpressure"])
def test_dgrl_resnet_streams_bit_exact_at_the_analytic_interval(design, tmp_path, backpressure):
    simulate_bit_exact(design, tmp_path, frames=3, backpressure=backpressure, min_streams=60)


def test_an_si_join_fifo_far_below_a_frame_deadlocks_naming_the_join(design):
    _, join, sized = si_joins(design)[0]
    with pytest.raises(BcnnError, match="deadlock") as err:
        simulate(design, frames=2, probe="last", fifo_caps={sized["fifo"]: sized["deadlock_free_depth"] // 2})
    assert f"stalled stage: {join.name}" in str(err.value)


def test_a_pixel_sum_that_drops_the_sign_is_caught_at_its_stream(design, tmp_path):
    out = tmp_path / "mutated"
    shutil.copytree(design, out)
    core = out / "rtl" / "bcnn_core.sv"
    lines = core.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("bcnn_global_sum"))
    lines[at] = lines[at].replace(".IN_SIGNED(1)", ".IN_SIGNED(0)")
    assert ".IN_SIGNED(0)" in lines[at]
    core.write_text("\n".join(lines) + "\n")
    report = simulate(out, frames=2)
    assert not report["bit_exact"] and report["first_mismatch"]["stage"].startswith("GlobalSum_bcnn")
