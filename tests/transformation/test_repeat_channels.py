"""repeat_channels: the exporter's no-op Expand goes (RemoveNoOpExpand), a layout Transpose moves
past a channel repeat (MoveTransposePastTile), and an NHWC channel repeat becomes
RepeatChannels_bcnn (InferRepeatChannels)."""
import numpy as np
import pytest
from onnx import helper
from qonnx.custom_op.registry import getCustomOp

from build_flows.transformation.repeat_channels import InferRepeatChannels, MoveTransposePastTile, RemoveNoOpExpand

from .graphs import (add_reader, apply_once, assert_same_function, assert_unchanged, i64, make_model, op_types,
                     random_tensor)

NCHW = [1, 2, 3, 4]
NHWC = [1, 3, 4, 2]
NHWC_TO_NCHW = [0, 3, 1, 2]


def expand_then_repeat(target=NCHW, x_shape=NCHW):
    """x -> Expand(target) -> Tile (channels x2) -> y, as x.repeat(1, 2, 1, 1) exports."""
    nodes = [helper.make_node("Expand", ["x", "target"], ["expanded"]),
             helper.make_node("Tile", ["expanded", "reps"], ["y"])]
    return make_model(nodes, {"x": x_shape}, {"y": [1, 4, 3, 4]}, {"target": i64(target), "reps": i64([1, 2, 1, 1])})


def test_expand_to_its_own_shape_goes():
    model = expand_then_repeat()
    after, changed = apply_once(RemoveNoOpExpand(), model)
    assert changed
    assert op_types(after) == ["Tile"] and after.graph.node[0].input[0] == "x"
    assert_same_function(model, after, {"x": random_tensor(np.random.default_rng(0), "FLOAT32", NCHW)})


def test_expand_that_broadcasts_stays():
    assert_unchanged(RemoveNoOpExpand(), expand_then_repeat(x_shape=[1, 2, 1, 1]))


def test_expand_making_the_graph_output_stays():
    node = helper.make_node("Expand", ["x", "target"], ["y"])
    model = make_model([node], {"x": NCHW}, {"y": NCHW}, {"target": i64(NCHW)})
    assert_unchanged(RemoveNoOpExpand(), model)


def transposed_then_repeated(perm=NHWC_TO_NCHW):
    """x (NHWC) -> Transpose to NCHW -> Tile (channels x3) -> y."""
    nodes = [helper.make_node("Transpose", ["x"], ["nchw"], perm=perm),
             helper.make_node("Tile", ["nchw", "reps"], ["y"])]
    return make_model(nodes, {"x": NHWC}, {"y": [1, 6, 3, 4]}, {"reps": i64([1, 3, 1, 1])}, {"x": "INT4"})


def test_transpose_moves_past_the_repeat():
    model = transposed_then_repeated()
    after, changed = apply_once(MoveTransposePastTile(), model)
    assert changed
    assert op_types(after) == ["Tile", "Transpose"]
    tile, transpose = after.graph.node
    assert tile.input[0] == "x" and transpose.input[0] == tile.output[0] and list(transpose.output) == ["y"]
    assert list(after.get_initializer(tile.input[1])) == [1, 1, 1, 3]  # NCHW's channel axis 1 is NHWC's 3
    assert after.get_tensor_datatype(tile.output[0]).name == "INT4"
    assert_same_function(model, after, {"x": random_tensor(np.random.default_rng(1), "INT4", NHWC)})


def test_transpose_read_by_another_node_stays():
    model = transposed_then_repeated()
    add_reader(model, "nchw")
    assert_unchanged(MoveTransposePastTile(), model)


def test_transpose_without_a_constant_repeat_stays():
    nodes = [helper.make_node("Transpose", ["x"], ["nchw"], perm=NHWC_TO_NCHW),
             helper.make_node("Tile", ["nchw", "reps"], ["y"])]
    model = make_model(nodes, {"x": NHWC, "reps": [4]}, {"y": None})
    assert_unchanged(MoveTransposePastTile(), model)


def repeat(reps, shape=NHWC):
    out = [d * r for d, r in zip(shape, reps)]
    return make_model([helper.make_node("Tile", ["x", "reps"], ["y"], name="widen")], {"x": shape}, {"y": out},
                      {"reps": i64(reps)}, {"x": "INT4"})


def test_channel_repeat_becomes_a_hardware_layer():
    model = repeat([1, 1, 1, 3])
    after, changed = apply_once(InferRepeatChannels(), model)
    assert changed
    assert op_types(after) == ["RepeatChannels_bcnn"]
    inst = getCustomOp(after.graph.node[0])
    assert (inst.get_nodeattr("NumChannels"), inst.get_nodeattr("Repeats")) == (2, 3)
    assert list(inst.get_nodeattr("numInputVectors")) == [1, 3, 4]
    assert inst.get_nodeattr("inputDataType") == "INT4"
    assert_same_function(model, after, {"x": random_tensor(np.random.default_rng(2), "INT4", NHWC)})


@pytest.mark.parametrize("reps, shape", [([1, 2, 1, 1], NHWC), ([1, 1, 1, 1], NHWC), ([1, 3], [1, 2])],
                         ids=["spatial repeat", "no repeat", "not a feature map"])
def test_other_tiles_stay(reps, shape):
    assert_unchanged(InferRepeatChannels(), repeat(reps, shape))
