"""fracbnn_units: FracBNN's fractional unit (a binary layer run on msb and lsb, the LSB pass gated
by |BatchNorm(W.msb)| < delta) becomes MultiThreshold (the 2-bit code) -> FracMVAU_bcnn ->
y = acc / 2 - MW (InferFractionalUnits).

The unit is built as brevitas.export.export_qonnx writes models/blocks/units.BinaryUnit with
Parts(fractional=True): msb = BipolarQuant(x), lsb = BipolarQuant(x - msb), both passes on one
BipolarQuant of the weights, the gate Abs -> Less -> Cast -> Mul(0.5) -> Mul(LSB pass) -> Add."""
import numpy as np
import pytest
from onnx import TensorProto, helper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp

from build_flows.transformation.fracbnn_units import InferFractionalUnits
from models.errors import BcnnError

from .graphs import QONNX, apply_once, assert_same_function, assert_unchanged, f32, i64, make_model, op_types

C, H, W, MH = 2, 3, 4, 5
GATE_OPS = {"BatchNormalization", "Abs", "Less", "Cast", "Sub"}


def fractional_unit(layer="Gemm", half=0.5, lsb_weights_own=False):
    """x -> msb, lsb -> two passes of `layer` ("Gemm" on (1, C*H*W), or "Conv" 3x3 behind a -1
    border) -> y = W.msb + gate * 0.5 * W.lsb. `half`: the gate's factor (the unit's is 0.5);
    lsb_weights_own: the LSB pass quantizes other weights (not a fractional unit)."""
    rng = np.random.default_rng(0)
    conv = layer == "Conv"
    x_shape, mw = ([1, C, H, W], 9 * C) if conv else ([1, C * H * W], C * H * W)
    w_shape = (MH, C, 3, 3) if conv else (MH, mw)
    nodes = [helper.make_node("BipolarQuant", ["x", "one"], ["msb"], domain=QONNX),
             helper.make_node("Sub", ["x", "msb"], ["rest"]),
             helper.make_node("BipolarQuant", ["rest", "one"], ["lsb"], domain=QONNX),
             helper.make_node("BipolarQuant", ["w", "one"], ["binary_w"], domain=QONNX),
             helper.make_node("BipolarQuant", ["w_lsb" if lsb_weights_own else "w", "one"], ["binary_w_lsb"],
                              domain=QONNX)]
    passes = {}
    for name, weights in (("msb", "binary_w"), ("lsb", "binary_w_lsb")):
        source = name
        if conv:
            nodes.append(helper.make_node("Pad", [name, "pads", "minus_one"], [f"{name}_padded"]))
            source = f"{name}_padded"
        attrs = {"kernel_shape": [3, 3]} if conv else {"transB": 1}  # what the exporter writes
        nodes.append(helper.make_node(layer, [source, weights], [f"{name}_pass"], **attrs))
        passes[name] = f"{name}_pass"
    nodes += [helper.make_node("BatchNormalization", ["msb_pass", "gain", "shift", "mean", "var"], ["normed"]),
              helper.make_node("Abs", ["normed"], ["distance"]),
              helper.make_node("Less", ["distance", "delta"], ["near"]),
              helper.make_node("Cast", ["near"], ["gate"], to=TensorProto.FLOAT),
              helper.make_node("Mul", ["gate", "half"], ["half_gate"]),
              helper.make_node("Mul", ["half_gate", "lsb_pass"], ["gated"]),
              helper.make_node("Add", ["msb_pass", "gated"], ["y"])]
    inits = {"one": f32(1.0), "half": f32(half), "delta": f32(0.6), "pads": i64([0, 0, 1, 1, 0, 0, 1, 1]),
             "minus_one": f32(-1.0), "w": f32(rng.uniform(-1, 1, size=w_shape)),
             "w_lsb": f32(rng.uniform(-1, 1, size=w_shape)),
             # negative and positive gains: the gate is an interval of W.msb values either way
             "gain": f32(rng.choice([-1.0, 1.0], size=MH) * rng.uniform(0.1, 0.3, size=MH)),
             "shift": f32(rng.uniform(-0.5, 0.5, size=MH)), "mean": f32(rng.uniform(-2, 2, size=MH)),
             "var": f32(rng.uniform(1, 4, size=MH))}
    out = [1, MH, H, W] if conv else [1, MH]
    return make_model(nodes, {"x": x_shape}, {"y": out}, inits)


def activations(model) -> dict:
    """Values on a grid of quarter steps: every code, and the thresholds -1, 0, 1 themselves."""
    shape = model.get_tensor_shape("x")
    grid = np.arange(-8, 9) / 4
    return {"x": f32(np.random.default_rng(1).choice(grid, size=shape))}


@pytest.mark.parametrize("layer", ["Gemm", "Conv"])
def test_fractional_unit_becomes_one_gated_layer(layer):
    model = fractional_unit(layer)
    gates = execute_onnx(model, activations(model), return_full_exec_context=True)["gate"]
    assert 0 < gates.mean() < 1  # the inputs open and close the gate: both branches are checked
    after, changed = apply_once(InferFractionalUnits(), model)
    assert changed
    types = op_types(after)
    assert types.count("FracMVAU_bcnn") == 1 and not GATE_OPS & set(types)
    assert layer not in types and "BipolarQuant" not in types  # both passes and their quantizers are gone
    unit = after.get_nodes_by_op_type("FracMVAU_bcnn")[0]
    inst = getCustomOp(unit)
    mw = 9 * C if layer == "Conv" else C * H * W
    assert (inst.get_nodeattr("MW"), inst.get_nodeattr("MH")) == (mw, MH)
    low, high = np.asarray(inst.get_nodeattr("gateLow")), np.asarray(inst.get_nodeattr("gateHigh"))
    assert np.all((low <= high) | (low == mw + 1))  # an interval per channel, or never gated
    code = after.find_producer(unit.input[0])
    while code.op_type != "MultiThreshold":  # a convolution's window and layout come between
        code = after.find_producer(code.input[0])
    assert code.input[0] == "x" and getCustomOp(code).get_nodeattr("out_dtype") == "UINT2"
    assert_same_function(model, after, activations(model))


def test_sum_with_another_gate_factor_stays():
    assert_unchanged(InferFractionalUnits(), fractional_unit(half=0.25))


def test_passes_with_different_weights_are_refused_by_name():
    with pytest.raises(BcnnError, match="same binary weights"):
        apply_once(InferFractionalUnits(), fractional_unit(lsb_weights_own=True))
