"""binary_padding: a -1 border moves from an explicit Pad into the sliding window
(AbsorbPadIntoIm2Col), and a binary stream's border becomes the code 0 (BinaryIm2ColPadValue)."""
import numpy as np
import pytest
from onnx import helper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.infer_shapes import InferShapes

from build_flows.transformation.binary_padding import AbsorbPadIntoIm2Col, BinaryIm2ColPadValue

from .graphs import (QONNX, add_reader, apply_once, assert_same_function, assert_unchanged, f32, i64, make_model,
                     op_types, random_tensor)

C, H, W, OUT = 2, 4, 5, 3
NCHW_TO_NHWC = [0, 2, 3, 1]


def padded_conv(pads=(1, 1, 1, 1), value=-1.0, perm=NCHW_TO_NHWC):
    """A lowered binary convolution behind PadBinary: Pad(-1) (NCHW) -> Transpose -> Im2Col (3x3,
    unpadded) -> MatMul. pads: [top, left, bottom, right]."""
    top, left, bottom, right = pads
    nodes = [helper.make_node("Pad", ["x", "pads", "value"], ["padded"], mode="constant"),
             helper.make_node("Transpose", ["padded"], ["nhwc"], perm=perm),
             helper.make_node("Im2Col", ["nhwc"], ["windows"], domain=QONNX, kernel_size=[3, 3], stride=[1, 1],
                              input_shape=f"(1,{H + top + bottom},{W + left + right},{C})"),
             helper.make_node("MatMul", ["windows", "weights"], ["y"])]
    rng = np.random.default_rng(0)
    return make_model(nodes, {"x": [1, C, H, W]}, {"y": [1, H + top + bottom - 2, W + left + right - 2, OUT]},
                      {"pads": i64([0, 0, top, left, 0, 0, bottom, right]), "value": f32(value),
                       "weights": random_tensor(rng, "BIPOLAR", (9 * C, OUT))},
                      {"x": "BIPOLAR", "padded": "BIPOLAR", "nhwc": "BIPOLAR", "windows": "BIPOLAR"})


@pytest.mark.parametrize("pads", [(1, 1, 1, 1), (2, 0, 1, 2)], ids=["same", "asymmetric"])
def test_pad_moves_into_the_sliding_window(pads):
    model = padded_conv(pads)
    after, changed = apply_once(AbsorbPadIntoIm2Col(), model)
    assert changed
    assert op_types(after) == ["Transpose", "Im2Col", "MatMul"]
    transpose, im2col = after.graph.node[:2]
    assert transpose.input[0] == "x"
    inst = getCustomOp(im2col)
    assert list(inst.get_nodeattr("pad_amount")) == list(pads)
    assert inst.get_nodeattr("pad_value") == -1
    x = random_tensor(np.random.default_rng(1), "BIPOLAR", (1, C, H, W))
    assert_same_function(model, after, {"x": x})


def test_absorbed_pad_keeps_shape_inference_true():
    """Im2Col's input_shape now reads the unpadded tensor: shape inference from scratch (what any
    later pass that drops a tensor's shape triggers) must find the shapes execution produces."""
    after, _ = apply_once(AbsorbPadIntoIm2Col(), padded_conv())
    del after.graph.value_info[:]
    after = after.transform(InferShapes())
    x = random_tensor(np.random.default_rng(2), "BIPOLAR", (1, C, H, W))
    context = execute_onnx(after, {"x": x}, return_full_exec_context=True)
    for tensor in ("nhwc", "windows"):
        assert after.get_tensor_shape(tensor) == list(context[tensor].shape), tensor


@pytest.mark.parametrize("variant", ["fractional value", "batch axis", "other layout", "two readers"])
def test_pad_stays_where_the_window_cannot_take_it(variant):
    if variant == "fractional value":  # Im2Col's pad_value is an integer
        model = padded_conv(value=-0.5)
    elif variant == "batch axis":
        model = padded_conv()
        model.set_initializer("pads", i64([1, 0, 1, 1, 0, 0, 1, 1]))
    elif variant == "other layout":
        model = padded_conv(perm=[0, 3, 2, 1])
    else:
        model = padded_conv()
        add_reader(model, "padded")
    assert_unchanged(AbsorbPadIntoIm2Col(), model)


def test_pad_stays_when_the_window_pads_already():
    model = padded_conv()
    getCustomOp(model.graph.node[2]).set_nodeattr("pad_amount", [1, 1, 1, 1])
    assert_unchanged(AbsorbPadIntoIm2Col(), model)


def window_model(input_dt: str, pad_value: int):
    """Im2Col (3x3, pad 1 with `pad_value`) over an NHWC stream of `input_dt`."""
    node = helper.make_node("Im2Col", ["x"], ["y"], domain=QONNX, kernel_size=[3, 3], stride=[1, 1],
                            input_shape=f"(1,{H},{W},{C})", pad_amount=[1, 1, 1, 1], pad_value=pad_value)
    return make_model([node], {"x": [1, H, W, C]}, {"y": [1, H, W, 9 * C]}, datatypes={"x": input_dt})


def test_binary_window_pads_with_the_code_of_minus_one():
    """The bipolar window padded with -1 and the binary (code) window padded with 0 carry the
    same bits: code = (value + 1) / 2, border included."""
    bipolar = window_model("BIPOLAR", -1)
    x = random_tensor(np.random.default_rng(3), "BIPOLAR", (1, H, W, C))
    want = (execute_onnx(bipolar, {"x": x})["y"] + 1) / 2
    binary = window_model("BINARY", -1)
    after, changed = apply_once(BinaryIm2ColPadValue(), binary)
    assert changed
    assert getCustomOp(after.graph.node[0]).get_nodeattr("pad_value") == 0
    np.testing.assert_array_equal(execute_onnx(after, {"x": (x + 1) / 2})["y"], want)


@pytest.mark.parametrize("input_dt, pad_value", [("BIPOLAR", -1), ("INT4", -1), ("BINARY", 0)])
def test_window_of_other_streams_keeps_its_pad_value(input_dt, pad_value):
    assert_unchanged(BinaryIm2ColPadValue(), window_model(input_dt, pad_value))
