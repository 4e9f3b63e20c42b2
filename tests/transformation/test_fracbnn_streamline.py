"""fracbnn_streamline: the thermometer's first layer becomes an XNOR popcount
(XnorThermometerMatMul); a -1 scale on a FracMVAU's channels flips their weights
(AbsorbSignIntoFracMVAU); the MultiThreshold after a FracMVAU goes into it
(AbsorbActivationIntoFracMVAU)."""
import numpy as np
import pytest
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from build_flows.transformation.fracbnn_streamline import (AbsorbActivationIntoFracMVAU, AbsorbSignIntoFracMVAU,
                                                           XnorThermometerMatMul)

from .graphs import (BCNN, QONNX, apply_once, assert_same_function, assert_unchanged, f32, make_model, op_types,
                     random_tensor)

PIXELS, LEVELS, MH = 3, 4, 5
H, W = 4, 4


def thermometer_layer(conv=False, weights_dt="BIPOLAR"):
    """UINT8 pixels -> Thermometer_bcnn (BIPOLAR code) -> [Im2Col 3x3, a convolution's window] ->
    MatMul (weights of `weights_dt`) -> y. conv: pixels are NHWC maps, else one vector."""
    vectors = [1, H, W] if conv else [1]
    code_width = PIXELS * LEVELS * (9 if conv else 1)
    nodes = [helper.make_node("Thermometer_bcnn", ["pixels"], ["code"], domain=BCNN, backend="fpgadataflow",
                              NumChannels=PIXELS, Levels=LEVELS, thresholds=[40, 90, 160, 220], inputDataType="UINT8",
                              outputDataType="BIPOLAR", numInputVectors=vectors)]
    layer_input, dts = "code", {"pixels": "UINT8", "code": "BIPOLAR", "weights": weights_dt}
    if conv:
        nodes.append(helper.make_node("Im2Col", ["code"], ["windows"], domain=QONNX, kernel_size=[3, 3], stride=[1, 1],
                                      input_shape=f"(1,{H},{W},{PIXELS * LEVELS})"))
        layer_input, dts["windows"] = "windows", "BIPOLAR"
    nodes.append(helper.make_node("MatMul", [layer_input, "weights"], ["y"]))
    weights = random_tensor(np.random.default_rng(0), weights_dt, (code_width, MH))
    out = [1, H - 2, W - 2, MH] if conv else [1, MH]
    return make_model(nodes, {"pixels": vectors + [PIXELS]}, {"y": out}, {"weights": weights}, dts)


@pytest.mark.parametrize("conv", [False, True], ids=["fully connected", "convolution"])
def test_thermometer_layer_becomes_an_xnor_popcount(conv):
    model = thermometer_layer(conv)
    after, changed = apply_once(XnorThermometerMatMul(), model)
    assert changed
    assert op_types(after)[-3:] == ["XnorPopcountMatMul", "Mul", "Add"]
    assert getCustomOp(after.graph.node[0]).get_nodeattr("outputDataType") == "BINARY"
    for tensor in ["code", "weights"] + (["windows"] if conv else []):  # every tensor on the path carries bits
        assert after.get_tensor_datatype(tensor) == DataType["BINARY"], tensor
    assert set(np.unique(after.get_initializer("weights"))) <= {0.0, 1.0}
    pixels = random_tensor(np.random.default_rng(1), "UINT8", ([1, H, W] if conv else [1]) + [PIXELS])
    assert_same_function(model, after, {"pixels": pixels})


def test_thermometer_layer_with_real_weights_stays():
    assert_unchanged(XnorThermometerMatMul(), thermometer_layer(weights_dt="FLOAT32"))


def test_matmul_without_a_thermometer_stays():
    model = make_model([helper.make_node("MatMul", ["x", "weights"], ["y"])], {"x": [1, 8]}, {"y": [1, MH]},
                       {"weights": random_tensor(np.random.default_rng(0), "BIPOLAR", (8, MH))},
                       {"x": "BIPOLAR", "weights": "BIPOLAR"})
    assert_unchanged(XnorThermometerMatMul(), model)


MW = 8
ACC = "INT7"  # accumulator_range(8) = [-8, 40]
# per channel [low, high] of MSB popcounts that get the LSB pass; channel 2 is never gated
GATE_LOW, GATE_HIGH = [2, 0, MW + 1, 3, 4], [5, 3, 0, 8, 4]


def frac_unit(conv=False, tail="sign", scale=(-1, 1, -1, 1, -1), activation="UINT2", out_scale=1.0, thresholded=False):
    """UINT2 codes -> FracMVAU_bcnn (raw accumulator, or `thresholded` already) -> [Transpose to
    NCHW, a convolution's] -> "sign": Mul(per-channel `scale`) | "threshold": MultiThreshold to
    `activation` -> y."""
    rng = np.random.default_rng(2)
    vectors = [1, H, W] if conv else [1]
    inits = {"weights": random_tensor(rng, "BIPOLAR", (MW, MH))}
    unit_inputs = ["codes", "weights"]
    if thresholded:
        inits["unit_thresholds"] = f32(np.sort(rng.integers(-MW, 5 * MW, size=(MH, 3)), axis=1))
        unit_inputs.append("unit_thresholds")
    nodes = [helper.make_node("FracMVAU_bcnn", unit_inputs, ["acc"], domain=BCNN, backend="fpgadataflow", MW=MW, MH=MH,
                              PE=1, SIMD=1, inputDataType="UINT2", weightDataType="BIPOLAR",
                              outputDataType="UINT2" if thresholded else ACC, accDataType=ACC,
                              noActivation=int(not thresholded), binaryXnorMode=1, numInputVectors=vectors,
                              gateLow=GATE_LOW, gateHigh=GATE_HIGH)]
    source = "acc"
    if conv and tail == "sign":
        nodes.append(helper.make_node("Transpose", ["acc"], ["acc_nchw"], perm=[0, 3, 1, 2]))
        source = "acc_nchw"
    if tail == "sign":
        shape = (1, MH, 1, 1) if conv else (1, MH)
        inits["scale"] = f32(np.asarray(scale).reshape(shape))
        nodes.append(helper.make_node("Mul", [source, "scale"], ["y"]))
    else:
        steps = 2 ** DataType[activation].bitwidth() - 1
        # off the integers, and beyond the accumulator's range at both ends
        inits["thresholds"] = f32(np.sort(np.concatenate(
            [rng.uniform(-MW, 5 * MW, size=(MH, steps - 1)).round(1), np.full((MH, 1), -MW - 5.5)], axis=1), axis=1))
        inits["thresholds"][1, -1] = 5 * MW + 3
        layout = {"data_layout": "NHWC"} if conv else {}
        nodes.append(helper.make_node("MultiThreshold", [source, "thresholds"], ["y"], domain=QONNX,
                                      out_dtype=activation, out_bias=float(DataType[activation].min()),
                                      out_scale=out_scale, **layout))
    return make_model(nodes, {"codes": vectors + [MW]}, {"y": None}, inits,
                      {"codes": "UINT2", "weights": "BIPOLAR", "acc": "UINT2" if thresholded else ACC})


def every_gate(conv: bool) -> dict:
    """Random codes: with MW = 8 the popcounts land inside and outside every gate interval."""
    return {"codes": random_tensor(np.random.default_rng(3), "UINT2", ([1, H, W] if conv else [1]) + [MW])}


@pytest.mark.parametrize("conv", [False, True], ids=["fully connected", "convolution"])
def test_negative_scale_flips_the_unit_and_becomes_an_offset(conv):
    model = frac_unit(conv)
    after, changed = apply_once(AbsorbSignIntoFracMVAU(), model)
    assert changed
    assert "Mul" not in op_types(after) and op_types(after)[-1] == "Add"
    flipped = np.asarray([-1, 1, -1, 1, -1]) < 0
    old, new = model.get_initializer("weights"), after.get_initializer("weights")
    np.testing.assert_array_equal(new[:, flipped], -old[:, flipped])
    np.testing.assert_array_equal(new[:, ~flipped], old[:, ~flipped])
    inst = getCustomOp(after.graph.node[0])
    low, high = inst.get_nodeattr("gateLow"), inst.get_nodeattr("gateHigh")
    assert (low[0], high[0]) == (MW - 5, MW - 2)  # [2, 5] seen from the flipped side
    assert low[2] > high[2]  # never gated stays never gated
    assert (low[1], high[1]) == (0, 3)  # not flipped
    assert_same_function(model, after, every_gate(conv))


@pytest.mark.parametrize("variant", ["not a sign", "thresholded unit"])
def test_other_scales_stay(variant):
    if variant == "not a sign":  # a positive scale is FINN+'s to absorb into thresholds
        model = frac_unit(scale=(-1, 2, -1, 1, -1))
    else:
        model = frac_unit(thresholded=True)
    assert_unchanged(AbsorbSignIntoFracMVAU(), model)


@pytest.mark.parametrize("conv, activation", [(False, "UINT2"), (False, "INT2"), (True, "UINT2")],
                         ids=["unsigned", "signed", "convolution"])
def test_activation_goes_into_the_unit(conv, activation):
    model = frac_unit(conv, tail="threshold", activation=activation)
    after, changed = apply_once(AbsorbActivationIntoFracMVAU(), model)
    assert changed
    assert op_types(after) == ["FracMVAU_bcnn"]
    unit = after.graph.node[0]
    inst = getCustomOp(unit)
    assert list(unit.output) == ["y"] and len(unit.input) == 3
    assert inst.get_nodeattr("noActivation") == 0 and inst.get_nodeattr("outputDataType") == activation
    assert inst.get_nodeattr("ActVal") == DataType[activation].min()
    thresholds = after.get_initializer(unit.input[2])
    assert np.array_equal(thresholds, np.round(thresholds))  # the unit compares integers
    assert_same_function(model, after, every_gate(conv))


@pytest.mark.parametrize("variant", ["scaled activation", "thresholded unit"])
def test_other_activations_stay(variant):
    if variant == "scaled activation":
        model = frac_unit(tail="threshold", out_scale=0.5)
    else:
        model = frac_unit(tail="threshold", thresholded=True)
    assert_unchanged(AbsorbActivationIntoFracMVAU(), model)
