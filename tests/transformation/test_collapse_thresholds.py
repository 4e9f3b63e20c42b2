"""collapse_thresholds: MultiThreshold -> MultiThreshold on an integer input becomes one
MultiThreshold (CollapseConsecutiveThresholds), exact on every input value."""
import numpy as np
import pytest
from onnx import helper
from qonnx.custom_op.registry import getCustomOp

from build_flows.transformation.collapse_thresholds import CollapseConsecutiveThresholds

from .graphs import QONNX, add_reader, apply_once, assert_same_function, assert_unchanged, f32, make_model, op_types

C = 3
X_VALUES = np.arange(-32, 32, dtype=np.float32)  # every INT6 value


def requantize_then_threshold(x_dt="INT6", first_scale=1.0, second_layout=None):
    """x -> MultiThreshold (15 steps to INT4, one threshold row shared by all channels: a
    residual's requantizer) -> MultiThreshold (3 steps per channel to UINT2) -> y."""
    rng = np.random.default_rng(0)
    # unsorted (the pass sorts), off the integers, and some beyond x's range
    first = rng.uniform(-40, 40, size=(1, 15)).round(1)
    # reaching -9 (always reached: below INT4) and 8 (never) as well as steps in between
    second = np.sort(np.concatenate([rng.uniform(-8.5, 7.5, size=(C, 2)).round(2), [[-9.0], [8.0], [0.0]]], axis=1))
    layout = {} if second_layout is None else {"data_layout": second_layout}
    nodes = [helper.make_node("MultiThreshold", ["x", "first"], ["q"], domain=QONNX, out_dtype="INT4",
                              out_bias=-8.0, out_scale=first_scale),
             helper.make_node("MultiThreshold", ["q", "second"], ["y"], domain=QONNX, out_dtype="UINT2", **layout)]
    return make_model(nodes, {"x": [len(X_VALUES), C]}, {"y": [len(X_VALUES), C]},
                      {"first": f32(first), "second": f32(second)}, {"x": x_dt, "q": "INT4", "y": "UINT2"})


def test_a_bipolar_first_output_collapses_too():
    """A +-1 activation (out_scale 2, out_bias -1) requantized by a shortcut's quantizer: still
    one step function of x."""
    nodes = [helper.make_node("MultiThreshold", ["x", "first"], ["q"], domain=QONNX, out_dtype="BIPOLAR",
                              out_bias=-1.0, out_scale=2.0),
             helper.make_node("MultiThreshold", ["q", "second"], ["y"], domain=QONNX, out_dtype="UINT2")]
    first = f32(np.linspace(-20, 20, C).reshape(C, 1))  # each channel's sign threshold
    second = f32(np.tile([[-1.5, 0.0, 0.5]], (C, 1)))  # -1 reaches one step, +1 all three
    model = make_model(nodes, {"x": [len(X_VALUES), C]}, {"y": [len(X_VALUES), C]},
                       {"first": first, "second": second}, {"x": "INT6", "q": "BIPOLAR", "y": "UINT2"})
    after, changed = apply_once(CollapseConsecutiveThresholds(), model)
    assert changed and op_types(after) == ["MultiThreshold"]
    outputs = assert_same_function(model, after, {"x": np.repeat(X_VALUES[:, None], C, axis=1)})
    assert set(np.unique(outputs["y"])) == {1, 3}


def test_two_thresholdings_become_one_with_the_same_outputs():
    model = requantize_then_threshold()
    after, changed = apply_once(CollapseConsecutiveThresholds(), model)
    assert changed
    assert op_types(after) == ["MultiThreshold"]
    node = after.graph.node[0]
    assert list(node.input[:1]) == ["x"] and list(node.output) == ["y"]
    assert after.get_initializer(node.input[1]).shape == (C, 3)  # the second node's steps, per channel
    assert getCustomOp(node).get_nodeattr("out_dtype") == "UINT2"
    outputs = assert_same_function(model, after, {"x": np.repeat(X_VALUES[:, None], C, axis=1)})
    assert len(np.unique(outputs["y"])) == 4  # every output level occurs: the exhaustive input covers all steps


@pytest.mark.parametrize("variant", ["float input", "negatively scaled first output", "other layout", "first read twice"])
def test_thresholdings_stay_apart_when_their_composition_is_not_one_step_function(variant):
    if variant == "float input":  # thresholds between integers are only exact on integers
        model = requantize_then_threshold(x_dt="FLOAT32")
    elif variant == "negatively scaled first output":  # a falling step function: not monotone the same way
        model = requantize_then_threshold(first_scale=-0.5)
    elif variant == "other layout":
        model = requantize_then_threshold(second_layout="NHWC")
    else:
        model = requantize_then_threshold()
        add_reader(model, "q")
    assert_unchanged(CollapseConsecutiveThresholds(), model)
