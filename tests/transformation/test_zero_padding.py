"""zero_padding: a zero-padded binary convolution, lowered to Im2Col (padding with the code 0)
-> XnorPopcountMatMul -> 2p - K, becomes Im2Col -> ZeroPadXnorMatMul, the zero-padded dot
product itself (ZeroPadBinaryConvolutions); that and its thresholds become MVAU_bcnn with the
window's border (InferZeroPaddedMVAU)."""
import numpy as np
import pytest
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from build_flows.custom_op.border import Border
from build_flows.transformation.zero_padding import InferZeroPaddedMVAU, ZeroPadBinaryConvolutions

from .graphs import (BCNN, QONNX, apply_once, assert_same_function, assert_unchanged, f32, make_model, op_types,
                     random_tensor, run)

C, H, W, MH = 2, 4, 5, 3
K = 9 * C  # a 3x3 window's elements


def window(pads, stride, input_dt="BINARY"):
    """x (1, H, W, C) -> Im2Col (3x3, pads [top, left, bottom, right], padding with 0) -> windows."""
    node = helper.make_node("Im2Col", ["x"], ["windows"], domain=QONNX, kernel_size=[3, 3], stride=[stride] * 2,
                            input_shape=f"(1,{H},{W},{C})", pad_amount=list(pads), pad_value=0)
    return node, {"x": input_dt, "windows": input_dt}


def out_shape(pads, stride, channels=MH):
    top, left, bottom, right = pads
    return [1, (H + top + bottom - 3) // stride + 1, (W + left + right - 3) // stride + 1, channels]


def xnor_conv(pads=(1, 1, 1, 1), stride=1, two=2.0, minus_k=-K, input_dt="BINARY"):
    """Binary codes -> Im2Col -> XnorPopcountMatMul -> Mul(2) -> Add(-K) -> y: the conversion of a
    zero-padded bipolar convolution to an XNOR popcount, as FINN+ and qonnx leave it."""
    im2col, dts = window(pads, stride, input_dt)
    nodes = [im2col, helper.make_node("XnorPopcountMatMul", ["windows", "weights"], ["popcount"], domain=QONNX),
             helper.make_node("Mul", ["popcount", "two"], ["doubled"]),
             helper.make_node("Add", ["doubled", "minus_k"], ["y"])]
    weights = random_tensor(np.random.default_rng(0), "BINARY", (K, MH))
    return make_model(nodes, {"x": [1, H, W, C]}, {"y": out_shape(pads, stride)},
                      {"weights": weights, "two": f32(two), "minus_k": f32(minus_k)},
                      {**dts, "weights": "BINARY", "popcount": "UINT32"})


def bipolar_reference(model, codes) -> np.ndarray:
    """The convolution the model means: +-1 inputs and weights, the border padded with 0."""
    im2col = model.get_nodes_by_op_type("Im2Col")[0]
    inst = getCustomOp(im2col)
    node = helper.make_node("Im2Col", ["x"], ["windows"], domain=QONNX, kernel_size=[3, 3],
                            stride=inst.get_nodeattr("stride"), input_shape=inst.get_nodeattr("input_shape"),
                            pad_amount=inst.get_nodeattr("pad_amount"), pad_value=0)
    reference = make_model([node, helper.make_node("MatMul", ["windows", "weights"], ["y"])], {"x": [1, H, W, C]},
                           {"y": model.get_tensor_shape("y")}, {"weights": 2 * model.get_initializer("weights") - 1},
                           {"x": "FLOAT32", "windows": "FLOAT32"})
    return run(reference, {"x": 2 * codes - 1})["y"]


@pytest.mark.parametrize("pads, stride", [((1, 1, 1, 1), 1), ((2, 0, 1, 2), 1), ((1, 1, 1, 1), 2)],
                         ids=["same", "asymmetric", "strided"])
def test_xnor_popcount_over_a_zero_padded_window_becomes_the_dot_product(pads, stride):
    model = xnor_conv(pads, stride)
    codes = random_tensor(np.random.default_rng(1), "BINARY", (1, H, W, C))
    want = bipolar_reference(model, codes)
    assert np.any(run(model, {"x": codes})["y"] != want)  # the code-0 border counts as -1, not as nothing
    after, changed = apply_once(ZeroPadBinaryConvolutions(), model)
    assert changed
    assert op_types(after) == ["Im2Col", "ZeroPadXnorMatMul"]
    unit = after.graph.node[1]
    assert list(unit.input) == ["windows", "weights"] and list(unit.output) == ["y"]
    np.testing.assert_array_equal(run(after, {"x": codes})["y"], want)
    assert after.get_tensor_datatype("y").allowed(np.asarray([-K, K])).all()  # the dot product's range


@pytest.mark.parametrize("variant", ["unpadded", "not binary", "not 2p - K"])
def test_other_xnor_popcounts_stay(variant):
    if variant == "unpadded":
        model = xnor_conv(pads=(0, 0, 0, 0))
    elif variant == "not binary":
        model = xnor_conv(input_dt="INT2")
    else:
        model = xnor_conv(minus_k=-K + 1)
    assert_unchanged(ZeroPadBinaryConvolutions(), model)


def zero_padded_unit(activation="UINT2"):
    """Binary codes -> Im2Col (pad 1) -> ZeroPadXnorMatMul -> [MultiThreshold to `activation`
    (channels last), or None: the raw dot product] -> y."""
    im2col, dts = window((1, 1, 1, 1), 1)
    border = Border.of((H, W), (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), C).attribute()
    nodes = [im2col, helper.make_node("ZeroPadXnorMatMul", ["windows", "weights"], ["dots"], domain=BCNN,
                                      zeroPadBorder=border)]
    rng = np.random.default_rng(2)
    inits = {"weights": random_tensor(rng, "BINARY", (K, MH))}
    dts.update(weights="BINARY")
    if activation is None:
        nodes[-1].output[0] = "y"
    else:
        steps = 2 ** DataType[activation].bitwidth() - 1
        inits["thresholds"] = f32(np.sort(rng.integers(-K // 2, K // 2, size=(MH, steps)), axis=1))
        bipolar = activation == "BIPOLAR"
        nodes.append(helper.make_node("MultiThreshold", ["dots", "thresholds"], ["y"], domain=QONNX,
                                      out_dtype=activation, data_layout="NHWC", out_scale=2.0 if bipolar else 1.0,
                                      out_bias=-1.0 if bipolar else float(DataType[activation].min())))
        dts.update(y=activation)
    return make_model(nodes, {"x": [1, H, W, C]}, {"y": [1, H, W, MH]}, inits, dts)


@pytest.mark.parametrize("activation", ["UINT2", "INT2", "BIPOLAR", None])
def test_zero_padded_unit_becomes_an_mvau_with_its_border(activation):
    model = zero_padded_unit(activation)
    border = getCustomOp(model.graph.node[1]).get_nodeattr("zeroPadBorder")
    after, changed = apply_once(InferZeroPaddedMVAU(), model)
    assert changed
    assert op_types(after) == ["Im2Col", "MVAU_bcnn"]
    unit = after.graph.node[1]
    inst = getCustomOp(unit)
    assert list(inst.get_nodeattr("zeroPadBorder")) == list(border)
    assert (inst.get_nodeattr("MW"), inst.get_nodeattr("MH"), inst.get_nodeattr("binaryXnorMode")) == (K, MH, 1)
    assert list(inst.get_nodeattr("numInputVectors")) == [1, H, W]
    assert inst.get_nodeattr("noActivation") == int(activation is None)
    assert list(unit.input[:2]) == ["windows", "weights"] and list(unit.output) == ["y"]
    if activation is not None:
        assert unit.input[2] == "thresholds" and inst.get_nodeattr("outputDataType") == activation
    assert_same_function(model, after, {"x": random_tensor(np.random.default_rng(3), "BINARY", (1, H, W, C))})


def test_unit_without_zero_padding_stays():
    model = zero_padded_unit()
    model.graph.node[1].op_type, model.graph.node[1].domain = "XnorPopcountMatMul", QONNX
    del model.graph.node[1].attribute[:]
    assert_unchanged(InferZeroPaddedMVAU(), model)


def few_bit_conv(activation_shared=False):
    """x (INT4) -> MultiThreshold to +-1 -> Im2Col (zero padding) -> MatMul with INT3 weights: a
    few-bit layer on a binary activation (not FINN+'s XNOR form)."""
    im2col, _ = window((1, 1, 1, 1), 1)
    nodes = [helper.make_node("MultiThreshold", ["x", "t"], ["act"], domain=QONNX, out_dtype="BIPOLAR", out_scale=2.0,
                              out_bias=-1.0, data_layout="NHWC"),
             helper.make_node("Im2Col", ["act"], ["windows"], domain=QONNX, kernel_size=[3, 3], stride=[1, 1],
                              input_shape=f"(1,{H},{W},{C})", pad_amount=[1, 1, 1, 1], pad_value=0),
             helper.make_node("MatMul", ["windows", "weights"], ["y"])]
    rng = np.random.default_rng(3)
    model = make_model(nodes, {"x": [1, H, W, C]}, {"y": out_shape((1, 1, 1, 1), 1)},
                       {"t": f32(rng.integers(-4, 4, (C, 1))), "weights": random_tensor(rng, "INT3", (K, MH))},
                       {"x": "INT4", "act": "BIPOLAR", "windows": "BIPOLAR", "weights": "INT3"})
    if activation_shared:  # the activation read twice: it cannot switch to codes for this layer alone
        from .graphs import add_reader
        add_reader(model, "act")
    return model


def test_a_few_bit_layer_on_a_zero_padded_binary_activation_reads_codes():
    model = few_bit_conv()
    after, changed = apply_once(ZeroPadBinaryConvolutions(), model)
    assert changed and op_types(after) == ["MultiThreshold", "Im2Col", "ZeroPadXnorMatMul"]
    assert after.get_tensor_datatype("act") == DataType["BINARY"]  # codes: the window can pad them
    assert getCustomOp(after.graph.node[2]).get_nodeattr("xnor") == 0
    x = random_tensor(np.random.default_rng(5), "INT4", (1, H, W, C))
    # the model's zero-padded sum, border included (as floats: a +-1 Im2Col cannot pad a zero)
    reference = few_bit_conv()
    for tensor in ("act", "windows"):
        reference.set_tensor_datatype(tensor, DataType["FLOAT32"])
    want = run(reference, {"x": x})["y"]
    np.testing.assert_array_equal(run(after, {"x": x})["y"], want)
    getCustomOp(reference.graph.node[1]).set_nodeattr("pad_value", -1)  # a -1 border: not the model
    assert not np.array_equal(run(reference, {"x": x})["y"], want)


def test_a_shared_binary_activation_is_left_alone():
    assert_unchanged(ZeroPadBinaryConvolutions(), few_bit_conv(activation_shared=True))
