"""FracBNN graphs -> bcnn's FracBNN layers, on the QONNX graph before FINN+ converts it.

Brevitas exports FracBNN's parts as small float subgraphs (models/blocks/fracbnn.py):
  - the thermometer: pixels * (1/255) -> Unsqueeze -> Greater(levels) -> Cast -> *2 -1 -> Reshape
    -> BipolarQuant -> the first layer;
  - a fractional unit: msb = BipolarQuant(x), lsb = BipolarQuant(x - msb), the layer twice (on msb
    and on lsb, the same binary weights), and y = W.msb + gate * W.lsb / 2 with
    gate = |BatchNorm(W.msb)| < delta (Abs, Less, Cast, Mul, Add).
InferThermometer (here) and InferFractionalUnits (fracbnn_units.py) recognize exactly these and
replace them with Thermometer_bcnn and MultiThreshold (x -> the 2-bit code 2*msb + lsb) +
FracMVAU_bcnn (+ the affine map from its integer accumulator back to y). Every constant of the new layers (pixel
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

from ..custom_op.base import DOMAIN
from .graph_match import new_tensor, only_consumer, producer, scalar

# Op types that only FracBNN's subgraphs contribute: one left after the inference is a pattern
# the flow does not know.
FRACBNN_OPS = {"Greater", "Less", "Abs", "Cast"}


def binary_weights(model, layer) -> tuple:
    """A Gemm/MatMul's or Conv's weights as (MW, MH) in {-1, +1}, and the BipolarQuant that makes
    them; a convolution's rows in its sliding window's order (kernel row, column, channel), as
    qonnx's LowerConvsToMatMul lays them out."""
    quant = producer(model, layer.input[1], "BipolarQuant")
    if quant is None or model.get_initializer(quant.input[0]) is None or scalar(model, quant.input[1]) != 1.0:
        return None, None
    weights = np.where(model.get_initializer(quant.input[0]) >= 0, 1.0, -1.0)
    if layer.op_type == "Conv":
        return weights.transpose(0, 2, 3, 1).reshape(weights.shape[0], -1).T, quant
    trans_b = next((a.i for a in layer.attribute if a.name == "transB"), 0)
    return (weights.T if trans_b else weights), quant


def bipolar_input(model, tensor: str):
    """The BipolarQuant (scale 1) that makes `tensor`, or None."""
    quant = producer(model, tensor, "BipolarQuant")
    return quant if quant is not None and scalar(model, quant.input[1]) == 1.0 else None


def run_nodes(model, nodes, inputs: dict, output: str) -> np.ndarray:
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
        consumers = model.find_consumers(quant.output[0])
        layer = consumers[0] if len(consumers) == 1 else None
        if layer is not None and layer.op_type == "Pad":  # a convolution's -1 border (PadBinary)
            layer = only_consumer(model, layer.output[0], "Conv")
        if layer is None or layer.op_type not in ("Gemm", "MatMul", "Conv"):
            raise BcnnError(f"thermometer '{greater.name}': its code feeds {', '.join(repr(c.name) for c in consumers)}; "
                            "a streamed thermometer code needs one binary first layer: fully connected (tfc, sfc, "
                            "lfc) or a convolution, padded with -1 if at all (resnet_small)")
        return scale, unsqueeze, chain, layer

    def _replace(self, model, greater, scale, unsqueeze, chain, layer):
        pixels = model.graph.input[0].name
        in_dt = model.get_tensor_datatype(pixels)
        shape = model.get_tensor_shape(pixels)
        levels_probe = np.arange(in_dt.min(), in_dt.max() + 1, dtype=np.float32).reshape(1, 1, -1, 1)
        nodes = [scale, unsqueeze, greater, chain[0]]
        bits = run_nodes(model, nodes, {pixels: levels_probe}, chain[0].output[0])
        levels = bits.shape[2]
        bits = np.asarray(bits[0, 0].reshape(levels, -1).T, dtype=bool)  # (pixel value, level)
        thresholds = []
        for level in range(levels):
            on = np.flatnonzero(bits[:, level])
            first = int(on[0]) if len(on) else bits.shape[0]
            if not bits[first:, level].all():
                raise BcnnError(f"thermometer '{greater.name}': level {level} is not a threshold on the pixel value")
            thresholds.append(int(in_dt.min()) + first)
        if layer.op_type == "Conv":
            if binary_weights(model, layer)[0] is None:
                raise BcnnError(f"layer '{layer.name}': a thermometer input needs binary weights (BipolarQuant, scale 1)")
            self._stream_pixels(model, greater, pixels, in_dt, shape, levels, thresholds, chain[-1].output[0])
        else:
            self._stream_vector(model, greater, pixels, in_dt, shape, levels, thresholds, layer, chain[-1].output[0])
        for node in [scale, unsqueeze, greater, *chain]:
            model.graph.node.remove(node)

    def _stream_pixels(self, model, greater, pixels, in_dt, shape, levels, thresholds, code):
        """A convolution takes the code as channels c * L + l of each pixel (NCHW), which is the
        order the unit streams each NHWC pixel in: only the layout transposes are new."""
        n, channels, h, w = shape
        nhwc = new_tensor(model, [n, h, w, channels], in_dt)
        code_nhwc = new_tensor(model, [n, h, w, channels * levels], DataType["BIPOLAR"])
        model.set_tensor_datatype(code, DataType["BIPOLAR"])
        model.graph.node.extend([
            helper.make_node("Transpose", [pixels], [nhwc], perm=[0, 2, 3, 1], name=f"{greater.name}_to_nhwc"),
            helper.make_node("Thermometer_bcnn", [nhwc], [code_nhwc], domain=DOMAIN, name=f"Thermometer_{greater.name}",
                             backend="fpgadataflow", NumChannels=channels, Levels=levels, thresholds=thresholds, PE=1,
                             inputDataType=in_dt.name, outputDataType="BIPOLAR", numInputVectors=[n, h, w]),
            helper.make_node("Transpose", [code_nhwc], [code], perm=[0, 3, 1, 2], name=f"{greater.name}_to_nchw")])

    def _stream_vector(self, model, greater, pixels, in_dt, shape, levels, thresholds, layer, code):
        channels, hw = shape[1], int(np.prod(shape[2:]))
        weights, wquant = binary_weights(model, layer)
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
        model.graph.node.append(helper.make_node("Reshape", [pixels, shape_init], [flat], name=f"{greater.name}_flatten"))
        model.graph.node.append(helper.make_node(
            "Thermometer_bcnn", [flat], [code], domain=DOMAIN, name=f"Thermometer_{greater.name}", backend="fpgadataflow",
            NumChannels=channels * hw, Levels=levels, thresholds=thresholds, PE=1, inputDataType=in_dt.name,
            outputDataType="BIPOLAR", numInputVectors=[shape[0]]))
        model.set_tensor_datatype(code, DataType["BIPOLAR"])


def check_no_fracbnn_leftovers(model, path) -> None:
    """A Greater/Less/Abs/Cast that no FracBNN pattern took: name it and say what is supported."""
    for node in model.graph.node:
        if node.op_type in FRACBNN_OPS:
            raise BcnnError(
                f"{path}: node '{node.name}' ({node.op_type}) is not part of a FracBNN subgraph bcnn recognizes "
                "(a thermometer on the pixel input feeding one binary layer, fully connected or a convolution, or a "
                "fractional unit: two binary passes of one layer gated by |BatchNorm(W.msb)| < delta)")
