"""FracBNN graphs -> bcnn's FracBNN layers, on the QONNX graph before FINN+ converts it.

Brevitas exports FracBNN's parts as small float subgraphs (models/blocks/fracbnn.py):
  - the thermometer: pixels * (1/255) -> Unsqueeze -> Greater(levels) -> Cast -> *2 -1 -> Reshape
    -> BipolarQuant -> the first layer;
  - a fractional unit: msb = BipolarQuant(x), lsb = BipolarQuant(x - msb), the layer twice (on msb
    and on lsb, the same binary weights), and y = W.msb + gate * W.lsb / 2 with
    gate = |BatchNorm(W.msb)| < delta (Abs, Less, Cast, Mul, Add).
InferThermometer and InferFractionalUnits recognize exactly these and replace them with
Thermometer_bcnn and MultiThreshold (x -> the 2-bit code 2*msb + lsb) + FracMVAU_bcnn (+ the
affine map from its integer accumulator back to y). Every constant of the new layers (pixel
thresholds, gate intervals) is found by evaluating the original subgraph on every input it can
see, so it is exact by construction; the build's verifier then checks the whole graph.
"""
import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.datatype import DataType
from qonnx.transformation.base import Transformation
from qonnx.transformation.general import SortGraph

from models.errors import BcnnError

from .custom_op.base import DOMAIN
from .custom_op.frac_mvau import accumulator_range
from .graph_match import only_consumer, producer, scalar

# Op types that only FracBNN's subgraphs contribute: one left after the inference is a pattern
# the flow does not know.
FRACBNN_OPS = {"Greater", "Less", "Abs", "Cast"}


def _binary_weights(model, layer) -> tuple:
    """A Gemm/MatMul's weights as (MW, MH) in {-1, +1}, and the BipolarQuant that makes them."""
    quant = producer(model, layer.input[1], "BipolarQuant")
    if quant is None or model.get_initializer(quant.input[0]) is None or scalar(model, quant.input[1]) != 1.0:
        return None, None
    weights = np.where(model.get_initializer(quant.input[0]) >= 0, 1.0, -1.0)
    trans_b = next((a.i for a in layer.attribute if a.name == "transB"), 0)
    return (weights.T if trans_b else weights), quant


def _bipolar_input(model, tensor: str):
    """The BipolarQuant (scale 1) that makes `tensor`, or None."""
    quant = producer(model, tensor, "BipolarQuant")
    return quant if quant is not None and scalar(model, quant.input[1]) == 1.0 else None


def _run(model, nodes, inputs: dict, output: str) -> np.ndarray:
    """Evaluate a few of the graph's own nodes with onnxruntime (the QONNX executor's backend)."""
    graph = helper.make_graph(
        nodes, "probe",
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, value.shape) for name, value in inputs.items()],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in _initializers_of(model, nodes).items()])
    onnx_ops = [o for o in model.model.opset_import if o.domain in ("", "ai.onnx")]
    probe = helper.make_model(graph, opset_imports=onnx_ops)
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run([output], {k: v.astype(np.float32) for k, v in inputs.items()})[0]


def _initializers_of(model, nodes) -> dict:
    return {t: model.get_initializer(t) for n in nodes for t in n.input if model.get_initializer(t) is not None}


class InferThermometer(Transformation):
    """The thermometer subgraph on the pixel input -> Reshape + Thermometer_bcnn; the first layer's
    weight columns are reordered from the export's level-major order (c*L + l)*HW + hw to the
    stream's pixel-major order (c*HW + hw)*L + l."""

    def apply(self, model):
        for greater in model.get_nodes_by_op_type("Greater"):
            found = self._match(model, greater)
            if found is None:
                continue
            self._replace(model, greater, *found)
            return model.transform(SortGraph()), True
        return model, False

    def _match(self, model, greater):
        unsqueeze = producer(model, greater.input[0], "Unsqueeze")
        scale = producer(model, unsqueeze.input[0], "Mul") if unsqueeze is not None else None
        if scale is None or scale.input[0] != model.graph.input[0].name or model.get_initializer(greater.input[1]) is None:
            return None
        chain, tensor = [], greater.output[0]
        for op_type in ("Cast", "Mul", "Sub", "Reshape", "BipolarQuant"):
            node = only_consumer(model, tensor, op_type)
            if node is None:
                return None
            chain.append(node)
            tensor = node.output[0]
        cast, times2, minus1, reshape, quant = chain
        if scalar(model, times2.input[1]) != 2.0 or scalar(model, minus1.input[1]) != 1.0:
            return None
        layer = next((n for n in model.find_consumers(quant.output[0]) if n.op_type in ("Gemm", "MatMul")), None)
        if layer is None or len(model.find_consumers(quant.output[0])) != 1:
            raise BcnnError(f"thermometer '{greater.name}': its code feeds '{model.find_consumers(quant.output[0])[0].name}'; "
                            "only a fully connected first layer (tfc, sfc, lfc) takes a streamed thermometer code so far")
        return scale, unsqueeze, chain, layer

    def _replace(self, model, greater, scale, unsqueeze, chain, layer):
        pixels = model.graph.input[0].name
        in_dt = model.get_tensor_datatype(pixels)
        shape = model.get_tensor_shape(pixels)
        channels, hw = shape[1], int(np.prod(shape[2:]))
        levels_probe = np.arange(in_dt.min(), in_dt.max() + 1, dtype=np.float32).reshape(1, 1, -1, 1)
        nodes = [scale, unsqueeze, greater, chain[0]]
        bits = _run(model, nodes, {pixels: levels_probe}, chain[0].output[0])
        levels = bits.shape[2]
        bits = np.asarray(bits[0, 0].reshape(levels, -1).T, dtype=bool)  # (pixel value, level)
        thresholds = []
        for level in range(levels):
            on = np.flatnonzero(bits[:, level])
            first = int(on[0]) if len(on) else bits.shape[0]
            if not bits[first:, level].all():
                raise BcnnError(f"thermometer '{greater.name}': level {level} is not a threshold on the pixel value")
            thresholds.append(int(in_dt.min()) + first)
        weights, wquant = _binary_weights(model, layer)
        if weights is None or len(model.find_consumers(wquant.output[0])) != 1:
            raise BcnnError(f"layer '{layer.name}': a thermometer input needs binary weights of its own (BipolarQuant, scale 1)")
        # pixel-major order: row (c*HW + hw)*L + l of the new matrix is row (c*L + l)*HW + hw of the old
        c, l, p = np.meshgrid(np.arange(channels), np.arange(levels), np.arange(hw), indexing="ij")
        old = ((c * levels + l) * hw + p).reshape(-1)
        new = ((c * hw + p) * levels + l).reshape(-1)
        order = np.empty_like(old)
        order[new] = old
        param = model.get_initializer(wquant.input[0])
        trans_b = next((a.i for a in layer.attribute if a.name == "transB"), 0)
        model.set_initializer(wquant.input[0], param[:, order] if trans_b else param[order, :])

        flat = model.make_new_valueinfo_name()
        shape_init = model.make_new_valueinfo_name()
        model.set_initializer(shape_init, np.asarray([shape[0], channels * hw], dtype=np.int64))
        model.set_tensor_shape(flat, [shape[0], channels * hw])
        code = chain[-1].output[0]
        model.graph.node.append(helper.make_node("Reshape", [pixels, shape_init], [flat], name=f"{greater.name}_flatten"))
        model.graph.node.append(helper.make_node(
            "Thermometer_bcnn", [flat], [code], domain=DOMAIN, name=f"Thermometer_{greater.name}", backend="fpgadataflow",
            NumChannels=channels * hw, Levels=levels, thresholds=thresholds, PE=1, inputDataType=in_dt.name,
            outputDataType="BIPOLAR", numInputVectors=[shape[0]]))
        model.set_tensor_datatype(code, DataType["BIPOLAR"])
        for node in [scale, unsqueeze, greater, *chain]:
            model.graph.node.remove(node)


class InferFractionalUnits(Transformation):
    """A fractional unit (two binary passes of one layer, the gate, the sum) -> MultiThreshold
    (x -> 2-bit code) + FracMVAU_bcnn + y = acc / 2 - MW."""

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
            if layer_a is None or layer_a.op_type not in ("Gemm", "MatMul") or product is None:
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
            msb = _bipolar_input(model, layer_a.input[0])
            lsb = _bipolar_input(model, layer_b.input[0])
            sub = producer(model, lsb.input[0], "Sub") if lsb is not None else None
            if msb is None or sub is None or list(sub.input) != [msb.input[0], msb.output[0]]:
                raise BcnnError(f"fractional unit at '{add.name}': its layers '{layer_a.name}' and '{layer_b.name}' do not "
                                "take msb = BipolarQuant(x) and lsb = BipolarQuant(x - msb) (scale 1)")
            weights_a, quant_a = _binary_weights(model, layer_a)
            weights_b, quant_b = _binary_weights(model, layer_b)
            if weights_a is None or weights_b is None or not np.array_equal(weights_a, weights_b):
                raise BcnnError(f"fractional unit at '{add.name}': its MSB and LSB passes ('{layer_a.name}', "
                                f"'{layer_b.name}') must use the same binary weights (BipolarQuant, scale 1)")
            return dict(layers=(layer_a, layer_b), weights=weights_a, weight_quants=(quant_a, quant_b), msb=msb, lsb=lsb,
                        sub=sub, gate=(norm, absolute, less, cast), half=half, product=product)
        return None

    def _gate_interval(self, model, add, gate_nodes, mw: int, mh: int) -> tuple:
        """Per channel [low, high] of MSB popcounts pa (W.msb = 2*pa - MW) the gate lets through."""
        norm, absolute, less, cast = gate_nodes
        dots = np.repeat((2.0 * np.arange(mw + 1) - mw)[:, None], mh, axis=1)
        gated = _run(model, list(gate_nodes), {norm.input[0]: dots}, cast.output[0]) != 0
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
        low, high = self._gate_interval(model, add, found["gate"], mw, mh)
        code, acc, shifted = (model.make_new_valueinfo_name() for _ in range(3))
        thresholds, weight_name, offset, half = (model.make_new_valueinfo_name() for _ in range(4))
        model.set_initializer(thresholds, np.asarray([[-1.0, 0.0, 1.0]], dtype=np.float32))
        model.set_initializer(weight_name, weights.astype(np.float32))
        model.set_tensor_datatype(weight_name, DataType["BIPOLAR"])
        model.set_initializer(offset, np.asarray(-2.0 * mw, dtype=np.float32))
        model.set_initializer(half, np.asarray(0.5, dtype=np.float32))
        out_shape = model.get_tensor_shape(add.output[0])
        for tensor, shape in ((code, model.get_tensor_shape(x)), (acc, out_shape), (shifted, out_shape)):
            model.set_tensor_shape(tensor, shape)
        acc_dt = DataType.get_smallest_possible(-accumulator_range(mw)[1] - 1)
        model.set_tensor_datatype(code, DataType["UINT2"])
        model.set_tensor_datatype(acc, acc_dt)
        name = found["layers"][0].name
        model.graph.node.extend([
            # msb = x >= 0, lsb = x - msb >= 0: the code 2*msb + lsb counts x >= -1, 0, 1
            helper.make_node("MultiThreshold", [x, thresholds], [code], domain="qonnx.custom_op.general",
                             name=f"{name}_fractional_activation", out_dtype="UINT2", out_scale=1.0, out_bias=0.0),
            helper.make_node("FracMVAU_bcnn", [code, weight_name], [acc], domain=DOMAIN, name=f"FracMVAU_{name}",
                             backend="fpgadataflow", MW=mw, MH=mh, PE=1, SIMD=1, inputDataType="UINT2",
                             weightDataType="BIPOLAR", outputDataType=acc_dt.name, accDataType=acc_dt.name,
                             noActivation=1, binaryXnorMode=1, numInputVectors=list(out_shape[:-1]),
                             gateLow=low, gateHigh=high),
            helper.make_node("Add", [acc, offset], [shifted], name=f"{name}_fractional_offset"),
            helper.make_node("Mul", [shifted, half], [add.output[0]], name=f"{name}_fractional_scale"),
        ])
        removed = [found["msb"], found["lsb"], found["sub"], *found["layers"], *found["gate"], found["half"],
                   found["product"], add]
        for quant in found["weight_quants"]:  # one quantizer may serve both passes
            if all(c in found["layers"] for c in model.find_consumers(quant.output[0])) and quant not in removed:
                removed.append(quant)
        for node in removed:
            model.graph.node.remove(node)


def check_no_fracbnn_leftovers(model, path) -> None:
    """A Greater/Less/Abs/Cast that no FracBNN pattern took: name it and say what is supported."""
    for node in model.graph.node:
        if node.op_type in FRACBNN_OPS:
            raise BcnnError(
                f"{path}: node '{node.name}' ({node.op_type}) is not part of a FracBNN subgraph bcnn recognizes "
                "(a thermometer on the pixel input feeding a fully connected layer, or a fractional unit: "
                "two binary passes of one layer gated by |BatchNorm(W.msb)| < delta)")
