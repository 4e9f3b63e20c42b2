"""FracBNN's fractional units (models/blocks/fracbnn.py) -> MultiThreshold (x -> the 2-bit code
2*msb + lsb) + FracMVAU_bcnn + y = acc / 2 - MW, on the QONNX graph (see fracbnn.py).

A unit is one binary layer run twice, on msb = BipolarQuant(x) and lsb = BipolarQuant(x - msb)
with the same binary weights, and y = W.msb + gate * W.lsb / 2, gate = |BatchNorm(W.msb)| < delta.
The layer is fully connected (Gemm/MatMul) or a convolution whose two passes pad their input with
-1 (PadBinary). A convolution's unit becomes Transpose -> Im2Col -> FracMVAU -> Transpose in NHWC,
as qonnx lowers a Conv: both passes' -1 border is the code 0 (msb and lsb bits 0), so the sliding
window pads the code stream with 0, which FINN+'s padding layer streams.
"""
import numpy as np
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.transformation.base import Transformation
from qonnx.transformation.general import SortGraph

from models.errors import BcnnError

from .binary_padding import spatial_pads
from ..custom_op.base import DOMAIN
from ..custom_op.frac_mvau import accumulator_range
from .fracbnn import binary_weights, bipolar_input, run_nodes
from .graph_match import new_tensor, producer, scalar

LAYERS = ("Gemm", "MatMul", "Conv")


def _attr(node, name, default=None):
    return next((list(a.ints) if a.ints else a.i for a in node.attribute if a.name == name), default)


def _pass_input(model, layer) -> tuple:
    """A pass's input (before a convolution's -1 border) and that border as Im2Col's pad_amount."""
    if layer.op_type != "Conv":
        return layer.input[0], None
    if any(_attr(layer, "pads", [0])):
        raise BcnnError(f"fractional unit layer '{layer.name}' zero-pads its binary input; pad with -1 (PadBinary)")
    pad = producer(model, layer.input[0], "Pad")
    if pad is None:
        return layer.input[0], [0, 0, 0, 0]
    amount = spatial_pads(model, pad)
    value = model.get_initializer(pad.input[2]) if len(pad.input) > 2 and pad.input[2] else None
    if amount is None or value is None or value.size != 1 or float(value.reshape(-1)[0]) != -1.0:
        raise BcnnError(f"fractional unit layer '{layer.name}': its input border '{pad.name}' must pad the "
                        "spatial axes with -1 (PadBinary)")
    return pad.input[0], amount


class InferFractionalUnits(Transformation):
    def apply(self, model):
        for add in model.get_nodes_by_op_type("Add"):
            found = self._match(model, add)
            if found is not None:
                self._replace(model, add, found)
                return model.transform(SortGraph()), True
        return model, False

    def _match(self, model, add):
        if any(model.get_initializer(t) is not None for t in add.input):
            return None
        for msb_layer, gated in (add.input, add.input[::-1]):
            layer_a, product = model.find_producer(msb_layer), producer(model, gated, "Mul")
            if layer_a is None or layer_a.op_type not in LAYERS or product is None:
                continue
            sides = [model.find_producer(t) for t in product.input]
            half = next((n for n in sides if n is not None and n.op_type == "Mul"), None)
            layer_b = next((n for n in sides if n is not None and n.op_type == layer_a.op_type), None)
            if half is None or layer_b is None or scalar(model, half.input[1]) != 0.5:
                continue
            cast = producer(model, half.input[0], "Cast")
            less = producer(model, cast.input[0], "Less") if cast is not None else None
            absolute = producer(model, less.input[0], "Abs") if less is not None else None
            norm = producer(model, absolute.input[0], "BatchNormalization") if absolute is not None else None
            if norm is None or norm.input[0] != layer_a.output[0] or scalar(model, less.input[1]) is None:
                continue
            (msb_in, pads_a), (lsb_in, pads_b) = _pass_input(model, layer_a), _pass_input(model, layer_b)
            msb, lsb = bipolar_input(model, msb_in), bipolar_input(model, lsb_in)
            sub = producer(model, lsb.input[0], "Sub") if lsb is not None else None
            if msb is None or sub is None or list(sub.input) != [msb.input[0], msb.output[0]] or pads_a != pads_b:
                raise BcnnError(f"fractional unit at '{add.name}': its layers '{layer_a.name}' and '{layer_b.name}' do not "
                                "take msb = BipolarQuant(x) and lsb = BipolarQuant(x - msb) (scale 1), with the same border")
            if any(_attr(layer_a, a) != _attr(layer_b, a) for a in ("strides", "dilations", "group", "kernel_shape")):
                raise BcnnError(f"fractional unit at '{add.name}': its passes '{layer_a.name}' and '{layer_b.name}' "
                                "must be the same convolution")
            weights_a, quant_a = binary_weights(model, layer_a)
            weights_b, quant_b = binary_weights(model, layer_b)
            if weights_a is None or weights_b is None or not np.array_equal(weights_a, weights_b):
                raise BcnnError(f"fractional unit at '{add.name}': its MSB and LSB passes ('{layer_a.name}', "
                                f"'{layer_b.name}') must use the same binary weights (BipolarQuant, scale 1)")
            if layer_a.op_type == "Conv" and _attr(layer_a, "group", 1) != 1:
                raise BcnnError(f"fractional unit at '{add.name}': grouped convolution '{layer_a.name}' is not supported")
            borders = [p for p in (producer(model, layer.input[0], "Pad") for layer in (layer_a, layer_b)) if p]
            return dict(layers=(layer_a, layer_b), weights=weights_a, weight_quants=(quant_a, quant_b), msb=msb, lsb=lsb,
                        sub=sub, gate=(norm, absolute, less, cast), half=half, product=product, pads=pads_a,
                        borders=borders)
        return None

    def _gate_interval(self, model, add, gate_nodes, mw: int, mh: int, rank: int) -> tuple:
        """Per channel [low, high] of MSB popcounts pa (W.msb = 2*pa - MW) the gate lets through."""
        norm, absolute, less, cast = gate_nodes
        dots = np.repeat((2.0 * np.arange(mw + 1) - mw)[:, None], mh, axis=1).reshape(mw + 1, mh, *[1] * (rank - 2))
        gated = run_nodes(model, list(gate_nodes), {norm.input[0]: dots}, cast.output[0]).reshape(mw + 1, mh) != 0
        low, high = np.full(mh, mw + 1), np.zeros(mh, dtype=np.int64)
        for ch in range(mh):
            on = np.flatnonzero(gated[:, ch])
            if len(on) == 0:
                continue
            if len(on) != on[-1] - on[0] + 1:
                raise BcnnError(f"fractional unit at '{add.name}': channel {ch}'s gate '{less.name}' is not one interval of "
                                "W.msb values (its BatchNorm is not monotone)")
            low[ch], high[ch] = on[0], on[-1]
        return low.tolist(), high.tolist()

    def _replace(self, model, add, found):
        weights = found["weights"]
        mw, mh = weights.shape
        x = found["msb"].input[0]
        out_shape = model.get_tensor_shape(add.output[0])
        low, high = self._gate_interval(model, add, found["gate"], mw, mh, len(out_shape))
        thresholds, weight_name, offset, half = (model.make_new_valueinfo_name() for _ in range(4))
        model.set_initializer(thresholds, np.asarray([[-1.0, 0.0, 1.0]], dtype=np.float32))
        model.set_initializer(weight_name, weights.astype(np.float32))
        model.set_tensor_datatype(weight_name, DataType["BIPOLAR"])
        model.set_initializer(offset, np.asarray(-2.0 * mw, dtype=np.float32))
        model.set_initializer(half, np.asarray(0.5, dtype=np.float32))
        acc_dt = DataType.get_smallest_possible(-accumulator_range(mw)[1] - 1)
        code = new_tensor(model, model.get_tensor_shape(x), DataType["UINT2"])
        shifted = new_tensor(model, out_shape, acc_dt)
        layer = found["layers"][0]
        name = layer.name
        # msb = x >= 0, lsb = x - msb >= 0: the code 2*msb + lsb counts x >= -1, 0, 1
        nodes = [helper.make_node("MultiThreshold", [x, thresholds], [code], domain="qonnx.custom_op.general",
                                  name=f"{name}_fractional_activation", out_dtype="UINT2", out_scale=1.0, out_bias=0.0)]
        if layer.op_type == "Conv":
            (n, c, h, w), (_, _, oh, ow) = model.get_tensor_shape(x), out_shape
            code_nhwc = new_tensor(model, (n, h, w, c), DataType["UINT2"])
            windows = new_tensor(model, (n, oh, ow, mw), DataType["UINT2"])
            acc_nhwc = new_tensor(model, (n, oh, ow, mh), acc_dt)
            acc = new_tensor(model, out_shape, acc_dt)
            nodes += [
                helper.make_node("Transpose", [code], [code_nhwc], perm=[0, 2, 3, 1]),
                helper.make_node("Im2Col", [code_nhwc], [windows], domain="qonnx.custom_op.general",
                                 stride=_attr(layer, "strides", [1, 1]), kernel_size=_attr(layer, "kernel_shape"),
                                 pad_amount=found["pads"], pad_value=0, input_shape=f"(1,{h},{w},{c})",
                                 dilations=_attr(layer, "dilations", [1, 1])),
                self._unit(name, windows, weight_name, acc_nhwc, mw, mh, acc_dt, [n, oh, ow], low, high),
                helper.make_node("Transpose", [acc_nhwc], [acc], perm=[0, 3, 1, 2])]
        else:
            acc = new_tensor(model, out_shape, acc_dt)
            nodes.append(self._unit(name, code, weight_name, acc, mw, mh, acc_dt, list(out_shape[:-1]), low, high))
        nodes += [helper.make_node("Add", [acc, offset], [shifted], name=f"{name}_fractional_offset"),
                  helper.make_node("Mul", [shifted, half], [add.output[0]], name=f"{name}_fractional_scale")]
        model.graph.node.extend(nodes)
        removed = [found["lsb"], found["sub"], *found["borders"], *found["layers"], *found["gate"],
                   found["half"], found["product"], add]
        # x's sign may also feed a layer outside the unit (ResNet-20's downsampling shortcut reads
        # the same BipolarQuant(x)); it stays for that layer
        if all(c in removed for c in model.find_consumers(found["msb"].output[0])):
            removed.append(found["msb"])
        for quant in found["weight_quants"]:  # one quantizer may serve both passes
            if all(c in found["layers"] for c in model.find_consumers(quant.output[0])) and quant not in removed:
                removed.append(quant)
        for node in removed:
            model.graph.node.remove(node)

    @staticmethod
    def _unit(name, code, weights, acc, mw, mh, acc_dt, vectors, low, high):
        return helper.make_node("FracMVAU_bcnn", [code, weights], [acc], domain=DOMAIN, name=f"FracMVAU_{name}",
                                backend="fpgadataflow", MW=mw, MH=mh, PE=1, SIMD=1, inputDataType="UINT2",
                                weightDataType="BIPOLAR", outputDataType=acc_dt.name, accDataType=acc_dt.name,
                                noActivation=1, binaryXnorMode=1, numInputVectors=vectors, gateLow=low, gateHigh=high)
