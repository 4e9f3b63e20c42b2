"""move_scalar_mul: a scalar Mul moves past the Tile (MoveScalarMulPastTile) or ReduceSum
(MoveScalarMulPastReduceSum) that reads it, and the op's new output gets the datatype its values
need."""
import numpy as np
import pytest
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.core.onnx_exec import execute_onnx

from build_flows.transformation.move_scalar_mul import MoveScalarMulPastReduceSum, MoveScalarMulPastTile

from .graphs import (add_reader, apply_once, assert_same_function, assert_unchanged, f32, i64, make_model, op_types,
                     random_tensor)

SHAPE = [1, 2, 3, 3]


def scaled_then(op: str, scale=0.25):
    """x (INT4) -> Mul(scale) -> Tile (channels x2) or ReduceSum (over H, W) -> y."""
    if op == "Tile":
        node, out, param = helper.make_node("Tile", ["scaled", "reps"], ["y"]), [1, 4, 3, 3], i64([1, 2, 1, 1])
    else:
        node, out, param = helper.make_node("ReduceSum", ["scaled", "axes"], ["y"], keepdims=0), [1, 2], i64([2, 3])
    nodes = [helper.make_node("Mul", ["x", "scale"], ["scaled"]), node]
    return make_model(nodes, {"x": SHAPE}, {"y": out}, {"scale": f32(scale), "reps" if op == "Tile" else "axes": param},
                      {"x": "INT4"})


@pytest.mark.parametrize("op, transformation, moved_dt", [
    ("Tile", MoveScalarMulPastTile(), "INT4"),  # a repeat keeps x's values
    ("ReduceSum", MoveScalarMulPastReduceSum(), "INT8"),  # 9 INT4 terms: [-72, 63]
])
def test_scalar_mul_moves_past(op, transformation, moved_dt):
    model = scaled_then(op)
    after, changed = apply_once(transformation, model)
    assert changed
    assert op_types(after) == [op, "Mul"]
    moved_op, mul = after.graph.node
    assert moved_op.input[0] == "x" and mul.input[0] == moved_op.output[0] and list(mul.output) == ["y"]
    assert after.get_tensor_datatype(moved_op.output[0]) == DataType[moved_dt]
    rng = np.random.default_rng(0)
    assert_same_function(model, after, {"x": random_tensor(rng, "INT4", SHAPE)})
    for extreme in (-8.0, 7.0):  # the moved tensor's datatype holds its extreme values
        context = execute_onnx(after, {"x": np.full(SHAPE, extreme, np.float32)}, return_full_exec_context=True)
        assert DataType[moved_dt].allowed(context[moved_op.output[0]]).all()


@pytest.mark.parametrize("op, transformation", [("Tile", MoveScalarMulPastTile()),
                                                ("ReduceSum", MoveScalarMulPastReduceSum())])
@pytest.mark.parametrize("variant", ["per-channel scale", "scale read twice", "other op"])
def test_mul_stays_when_it_is_not_one_scalar_for_that_op_alone(op, transformation, variant):
    if variant == "per-channel scale":
        model = scaled_then(op, scale=np.asarray([0.25, 0.5], np.float32).reshape(1, 2, 1, 1))
    elif variant == "scale read twice":
        model = scaled_then(op)
        add_reader(model, "scaled")
    else:  # the other pass's op: MoveScalarMulPastTile must not move past a ReduceSum, and back
        model = scaled_then("ReduceSum" if op == "Tile" else "Tile")
    assert_unchanged(transformation, model)
