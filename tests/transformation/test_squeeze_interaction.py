"""squeeze_interaction: DGRL's SI shortcut. A broadcasting Add becomes an explicit NHWC pixel
broadcast (ExplicitPixelBroadcast), a layout Transpose goes into the pixel sum
(AbsorbTransposeIntoReduceSum), and the sum and the broadcast become bcnn layers (InferGlobalSum,
InferPixelBroadcast)."""
import numpy as np
import pytest
from onnx import helper
from qonnx.custom_op.registry import getCustomOp

from build_flows.transformation.squeeze_interaction import (AbsorbTransposeIntoReduceSum, ExplicitPixelBroadcast,
                                                            InferGlobalSum, InferPixelBroadcast)

from .graphs import (add_reader, apply_once, assert_same_function, assert_unchanged, i64, make_model, op_types,
                     random_tensor)

C, H, W = 3, 2, 4
NHWC_TO_NCHW = [0, 3, 1, 2]


def broadcast_add(side=1):
    """The SI's output v (1, C) -> Unsqueeze(axes) -> Add with the block output b (1, C, H, W)."""
    operands = ["b", "pixel"] if side == 1 else ["pixel", "b"]
    nodes = [helper.make_node("Unsqueeze", ["v", "axes"], ["pixel"]), helper.make_node("Add", operands, ["y"])]
    return make_model(nodes, {"b": [1, C, H, W], "v": [1, C]}, {"y": [1, C, H, W]}, {"axes": i64([2, 3])},
                      {"b": "INT4", "v": "INT4"})


@pytest.mark.parametrize("side", [0, 1])
def test_broadcast_becomes_an_explicit_nhwc_pixel_repeat(side):
    model = broadcast_add(side)
    after, changed = apply_once(ExplicitPixelBroadcast(), model)
    assert changed
    assert op_types(after) == ["Unsqueeze", "Tile", "Transpose", "Add"]
    unsqueeze, tile, transpose, add = after.graph.node
    assert list(after.get_initializer(unsqueeze.input[1])) == [1, 2]  # (1, C) -> (1, 1, 1, C)
    assert list(after.get_initializer(tile.input[1])) == [1, H, W, 1]
    assert add.input[side] == transpose.output[0] and add.input[1 - side] == "b"
    assert after.get_tensor_shape(add.input[side]) == [1, C, H, W]  # the Add joins equal shapes now
    assert after.get_tensor_datatype(tile.output[0]).name == "INT4"
    rng = np.random.default_rng(0)
    assert_same_function(model, after, {"b": random_tensor(rng, "INT4", (1, C, H, W)),
                                        "v": random_tensor(rng, "INT4", (1, C))})


def test_broadcast_read_twice_stays():
    model = broadcast_add()
    add_reader(model, "pixel")
    assert_unchanged(ExplicitPixelBroadcast(), model)


def test_broadcast_of_another_vector_stays():
    """Unsqueeze (C, 1, 1) -> (1, C, 1, 1): not the SI's (N, C) vector."""
    nodes = [helper.make_node("Unsqueeze", ["v", "axes"], ["pixel"]), helper.make_node("Add", ["b", "pixel"], ["y"])]
    model = make_model(nodes, {"b": [1, C, H, W], "v": [C, 1, 1]}, {"y": [1, C, H, W]}, {"axes": i64([0])})
    assert_unchanged(ExplicitPixelBroadcast(), model)


def pixel_sum(x_shape, axes, keepdims=0, perm=None, x_dt="INT4"):
    """x -> [Transpose(perm)] -> ReduceSum(axes, keepdims) -> y."""
    nodes, source = [], "x"
    if perm is not None:
        nodes.append(helper.make_node("Transpose", ["x"], ["transposed"], perm=perm))
        source = "transposed"
    nodes.append(helper.make_node("ReduceSum", [source, "axes"], ["y"], keepdims=keepdims, name="squeeze"))
    return make_model(nodes, {"x": x_shape}, {"y": None}, {"axes": i64(axes)}, {"x": x_dt})


def test_layout_transpose_goes_into_the_pixel_sum():
    model = pixel_sum([1, H, W, C], (2, 3), perm=NHWC_TO_NCHW)
    after, changed = apply_once(AbsorbTransposeIntoReduceSum(), model)
    assert changed
    assert op_types(after) == ["ReduceSum"]
    assert after.graph.node[0].input[0] == "x"
    assert list(after.get_initializer(after.graph.node[0].input[1])) == [1, 2]
    assert_same_function(model, after, {"x": random_tensor(np.random.default_rng(1), "INT4", (1, H, W, C))})


@pytest.mark.parametrize("axes, keepdims, perm", [((2, 3), 1, NHWC_TO_NCHW), ((2,), 0, NHWC_TO_NCHW),
                                                  ((2, 3), 0, [0, 3, 2, 1])],
                         ids=["keepdims", "one axis", "other transpose"])
def test_transpose_stays_before_other_sums(axes, keepdims, perm):
    assert_unchanged(AbsorbTransposeIntoReduceSum(), pixel_sum([1, H, W, C], axes, keepdims, perm))


def test_integer_pixel_sum_becomes_a_hardware_layer():
    model = pixel_sum([1, H, W, C], (1, 2))
    after, changed = apply_once(InferGlobalSum(), model)
    assert changed
    assert op_types(after) == ["GlobalSum_bcnn"]
    inst = getCustomOp(after.graph.node[0])
    assert inst.get_nodeattr("NumChannels") == C and list(inst.get_nodeattr("numInputVectors")) == [1, H, W]
    assert inst.get_nodeattr("inputDataType") == "INT4"
    assert_same_function(model, after, {"x": random_tensor(np.random.default_rng(2), "INT4", (1, H, W, C))})


@pytest.mark.parametrize("x_dt, sums, expected", [("BIPOLAR", (-8, 8), "INT5"), ("INT4", (-64, 56), "INT7"),
                                                   ("UINT2", (0, 24), "UINT5"), ("BINARY", (0, 8), "UINT4")])
def test_the_pixel_sum_type_is_the_smallest_holding_both_extreme_sums(x_dt, sums, expected):
    """H*W = 8 pixels of +1 sum to +8: FINN+'s GlobalAccPool would give a BIPOLAR input INT4 ([-8, 7])."""
    after, _ = apply_once(InferGlobalSum(), pixel_sum([1, H, W, C], (1, 2), x_dt=x_dt))
    assert H * W == 8 and getCustomOp(after.graph.node[0]).get_output_datatype().name == expected


@pytest.mark.parametrize("axes, keepdims, x_dt", [((1, 2), 0, "FLOAT32"), ((1, 2), 1, "INT4"), ((2, 3), 0, "INT4")],
                         ids=["float", "keepdims", "NCHW pixels"])
def test_other_sums_stay(axes, keepdims, x_dt):
    assert_unchanged(InferGlobalSum(), pixel_sum([1, H, W, C], axes, keepdims, x_dt=x_dt))


def pixel_repeat(reps=(1, H, W, 1), axes=(1, 2)):
    """v (1, C) -> Unsqueeze(axes) -> Tile(reps) -> y, as ExplicitPixelBroadcast leaves it."""
    nodes = [helper.make_node("Unsqueeze", ["v", "axes"], ["pixel"]),
             helper.make_node("Tile", ["pixel", "reps"], ["y"])]
    return make_model(nodes, {"v": [1, C]}, {"y": None}, {"axes": i64(axes), "reps": i64(reps)}, {"v": "INT4"})


def test_pixel_repeat_becomes_a_hardware_layer():
    model = pixel_repeat()
    after, changed = apply_once(InferPixelBroadcast(), model)
    assert changed
    assert op_types(after) == ["BroadcastPixels_bcnn"]
    inst = getCustomOp(after.graph.node[0])
    assert list(inst.get_nodeattr("OutputDims")) == [H, W] and inst.get_nodeattr("Repeats") == H * W
    assert inst.get_nodeattr("NumChannels") == C and inst.get_nodeattr("inputDataType") == "INT4"
    assert_same_function(model, after, {"v": random_tensor(np.random.default_rng(3), "INT4", (1, C))})


@pytest.mark.parametrize("reps, axes", [((1, H, W, 2), (1, 2)), ((1, 1, H, W), (2, 3))],
                         ids=["channels repeated too", "NCHW pixel"])
def test_other_repeats_stay(reps, axes):
    assert_unchanged(InferPixelBroadcast(), pixel_repeat(reps, axes))
