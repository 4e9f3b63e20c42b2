"""fracbnn: FracBNN's thermometer subgraph on the pixel input becomes Thermometer_bcnn, with the
first layer's weights reordered to the stream's order (InferThermometer).

The subgraph is built as brevitas.export.export_qonnx writes models/blocks/fracbnn.Thermometer
followed by a binary layer, behind the build's pixel scaling (steps/prepare.step_add_pixel_input):
pixels * (1/255) -> Unsqueeze -> Greater(levels) -> Cast -> *2 -> -1 -> Reshape -> BipolarQuant."""
import numpy as np
import pytest
from onnx import TensorProto, helper
from qonnx.custom_op.registry import getCustomOp

from build_flows.transformation.fracbnn import InferThermometer
from models.errors import BcnnError

from .graphs import (QONNX, apply_once, assert_same_function, assert_unchanged, f32, i64, make_model, op_types,
                     random_tensor)

C, H, W, LEVELS, MH = 2, 3, 3, 3, 4
SUBGRAPH_OPS = {"Unsqueeze", "Greater", "Cast", "Sub"}


def levels(count: int) -> np.ndarray:
    """models/blocks/fracbnn.Thermometer's thresholds: halfway between 8-bit codes, over 255."""
    codes = np.round(np.arange(1, count + 1) * 256.0 / (count + 1)) - 0.5
    return f32((codes / 255.0).reshape(1, 1, count, 1, 1))


def thermometer_into(layer="Gemm", pixel_input=True, readers=1):
    """UINT8 pixels (1, C, H, W) -> the thermometer -> a binary `layer`: "Gemm" (flattened code,
    weights transposed) or "Conv" (3x3 behind a -1 border); `readers` such layers read the code."""
    rng = np.random.default_rng(0)
    width = C * LEVELS * (H * W if layer == "Gemm" else 1)
    code_shape = [1, width] if layer == "Gemm" else [1, width, H, W]
    source = "scaled" if pixel_input else "pixels"
    nodes = [helper.make_node("Mul", ["pixels", "inv255"], ["scaled"]),
             helper.make_node("Unsqueeze", [source, "axis2"], ["levels_axis"]),
             helper.make_node("Greater", ["levels_axis", "levels"], ["above"]),
             helper.make_node("Cast", ["above"], ["bits"], to=TensorProto.FLOAT),
             helper.make_node("Mul", ["bits", "two"], ["doubled"]),
             helper.make_node("Sub", ["doubled", "one"], ["bipolar"]),
             helper.make_node("Reshape", ["bipolar", "code_shape"], ["flat"]),
             helper.make_node("BipolarQuant", ["flat", "one"], ["code"], domain=QONNX),
             helper.make_node("BipolarQuant", ["w", "one"], ["binary_w"], domain=QONNX)]
    inits = {"inv255": f32(1 / 255), "axis2": i64([2]), "levels": levels(LEVELS), "two": f32(2.0), "one": f32(1.0),
             "code_shape": i64(code_shape), "pads": i64([0, 0, 1, 1, 0, 0, 1, 1]), "minus_one": f32(-1.0)}
    if layer == "Gemm":
        inits["w"] = random_tensor(rng, "FLOAT32", (MH, width))
        nodes += [helper.make_node("Gemm", ["code", "binary_w"], [f"y{k}"], transB=1) for k in range(readers)]
        out = [1, MH]
    else:
        inits["w"] = random_tensor(rng, "FLOAT32", (MH, width, 3, 3))
        nodes.append(helper.make_node("Pad", ["code", "pads", "minus_one"], ["padded"]))
        nodes.append(helper.make_node("Conv", ["padded", "binary_w"], ["y0"]))
        out = [1, MH, H, W]
    return make_model(nodes, {"pixels": [1, C, H, W]}, {f"y{k}": out for k in range(readers)}, inits,
                      {"pixels": "UINT8"})


def pixels_at_every_edge() -> dict:
    """Random pixels, and every pixel value a threshold separates: k - 1 and k at each level k."""
    values = random_tensor(np.random.default_rng(1), "UINT8", (1, C, H, W)).reshape(-1)
    values[:8] = [0, 63, 64, 127, 128, 191, 192, 255]
    return {"pixels": values.reshape(1, C, H, W)}


@pytest.mark.parametrize("layer", ["Gemm", "Conv"])
def test_thermometer_becomes_a_streamed_encoder(layer):
    model = thermometer_into(layer)
    after, changed = apply_once(InferThermometer(), model)
    assert changed
    assert not SUBGRAPH_OPS & set(op_types(after))
    # the encoder makes the code (through the layout Transpose back to NCHW for a convolution)
    assert after.find_producer("code").op_type == ("Thermometer_bcnn" if layer == "Gemm" else "Transpose")
    encoder = after.get_nodes_by_op_type("Thermometer_bcnn")[0]
    inst = getCustomOp(encoder)
    # p / 255 > (k - 0.5) / 255 holds exactly for integer p >= k, k = round(l * 256 / 4)
    assert list(inst.get_nodeattr("thresholds")) == [64, 128, 192]
    assert inst.get_nodeattr("Levels") == LEVELS and inst.get_nodeattr("outputDataType") == "BIPOLAR"
    if layer == "Gemm":  # one vector of C * H * W pixels, the weights in pixel-major order
        assert inst.get_nodeattr("NumChannels") == C * H * W and list(inst.get_nodeattr("numInputVectors")) == [1]
        assert not np.array_equal(after.get_initializer("w"), model.get_initializer("w"))
    else:  # NHWC pixels, the code back to NCHW for the convolution
        assert inst.get_nodeattr("NumChannels") == C and list(inst.get_nodeattr("numInputVectors")) == [1, H, W]
        assert [n.op_type for n in (after.find_producer(encoder.input[0]), after.find_consumer(encoder.output[0]))] \
            == ["Transpose", "Transpose"]
    assert_same_function(model, after, pixels_at_every_edge())


def test_greater_off_the_pixel_input_stays():
    """Without the build's pixel scaling in front the subgraph is not the thermometer it knows."""
    assert_unchanged(InferThermometer(), thermometer_into(pixel_input=False))


def test_thermometer_read_by_two_layers_is_refused_by_name():
    with pytest.raises(BcnnError, match="one binary first layer"):
        apply_once(InferThermometer(), thermometer_into(readers=2))
