"""Zero-padded binary convolutions (padding=1 around a +-1 input, the block of Bi-Real, IR-Net,
ReActNet and every binary ResNet) onto bcnn's matrix-vector unit, exactly.

A 1-bit stream has no zero, so FINN+ cannot pad it (nor can its XNOR popcount count a padded
element as nothing). The sliding window pads with the code 0 instead (the value -1) and the
error this makes is known at compile time per output channel and pixel class (custom_op/border.py).

- ZeroPadBinaryConvolutions (streamlining, right after ConvertBipolarMatMulToXnorPopcount): an
  Im2Col that zero-pads a binary input, its XnorPopcountMatMul and the `2 * p - K` that restores
  the dot product become Im2Col (padding with the code 0) -> ZeroPadXnorMatMul, whose output is
  the zero-padded dot product itself; BatchNorm and activation then streamline into thresholds
  on it as on any integer.
  A few-bit layer on a +-1 activation (a MatMul with integer weights after an Im2Col that
  zero-pads a BIPOLAR input) becomes the same op with xnor=0: the activation streams codes (as
  for an XNOR layer), the window pads the code 0, the op reads codes as +-1 and ignores the border.
- InferZeroPaddedMVAU (conversion to hardware): ZeroPadXnorMatMul and the MultiThreshold after it
  -> MVAU_bcnn (XNOR mode, or bipolar inputs times few-bit weights) with the window's border
  (`zeroPadBorder`); its python execution is the zero-padded dot product, its RTL the unit's
  accumulator counting the padding (or compared with per-class thresholds, custom_op/mvau.py)."""
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from ..custom_op.base import DOMAIN
from ..custom_op.border import Border
from .graph_match import only_consumer, producer, scalar


def zero_padded_window(model, tensor: str, dt: str = "BINARY"):
    """The Im2Col making `tensor` if it zero-pads an input of datatype `dt` (BINARY codes for an
    XNOR layer, BIPOLAR values for a few-bit one), else None."""
    im2col = producer(model, tensor, "Im2Col")
    if im2col is None or model.get_tensor_datatype(im2col.input[0]) != DataType[dt]:
        return None
    inst = getCustomOp(im2col)
    if not any(inst.get_nodeattr("pad_amount")) or inst.get_nodeattr("pad_value") != 0 or inst.get_nodeattr("depthwise"):
        return None
    return im2col


def border_of(model, im2col) -> Border:
    inst = getCustomOp(im2col)
    _, h, w, c = model.get_tensor_shape(im2col.input[0])
    return Border.of((h, w), inst.get_nodeattr("kernel_size"), inst.get_nodeattr("stride"),
                     inst.get_nodeattr("dilations"), inst.get_nodeattr("pad_amount"), c)


class ZeroPadBinaryConvolutions(Transformation):
    def apply(self, model):
        for node in model.get_nodes_by_op_type("XnorPopcountMatMul"):
            im2col = zero_padded_window(model, node.input[0])
            mul = only_consumer(model, node.output[0], "Mul")
            add = only_consumer(model, mul.output[0], "Add") if mul is not None else None
            if im2col is None or add is None:
                continue
            window = model.get_tensor_shape(node.input[0])[-1]
            if scalar(model, mul.input[1]) != 2 or scalar(model, add.input[1]) != -window:
                continue
            border = border_of(model, im2col)
            new = helper.make_node("ZeroPadXnorMatMul", [node.input[0], node.input[1]], [add.output[0]],
                                   name=node.name, domain=DOMAIN, zeroPadBorder=border.attribute())
            model.graph.node.insert(list(model.graph.node).index(node), new)
            for old in (node, mul, add):
                model.graph.node.remove(old)
            return model.transform(InferShapes()).transform(InferDataTypes()), True
        for node in model.get_nodes_by_op_type("MatMul"):  # few-bit weights on a +-1 activation
            im2col = zero_padded_window(model, node.input[0], "BIPOLAR")
            weights = model.get_initializer(node.input[1])
            if im2col is None or weights is None or not model.get_tensor_datatype(node.input[1]).is_integer():
                continue
            activation = bipolar_activation(model, im2col.input[0])
            if activation is None:
                continue
            # the activation streams codes (as FINN+ makes it for an XNOR layer): padding and the
            # window then carry the code 0 at the border, which ZeroPadXnorMatMul ignores
            inst = getCustomOp(activation)
            inst.set_nodeattr("out_scale", 1.0)
            inst.set_nodeattr("out_bias", 0.0)
            inst.set_nodeattr("out_dtype", "BINARY")
            model.set_tensor_datatype(activation.output[0], DataType["BINARY"])
            node.op_type, node.domain = "ZeroPadXnorMatMul", DOMAIN
            node.attribute.extend([helper.make_attribute("zeroPadBorder", border_of(model, im2col).attribute()),
                                   helper.make_attribute("xnor", 0)])
            return model.transform(InferShapes()).transform(InferDataTypes()), True
        return model, False


def bipolar_activation(model, tensor: str):
    """The +-1 MultiThreshold whose output reaches `tensor` through layout ops only, read by
    nothing else (each layer has its own copy: unshare_activations.py); else None."""
    node = model.find_producer(tensor)
    while node is not None and node.op_type in ("Transpose", "Reshape"):
        if len(model.find_consumers(node.output[0]) or []) != 1:
            return None
        node = model.find_producer(node.input[0])
    if node is None or node.op_type != "MultiThreshold" or len(model.find_consumers(node.output[0]) or []) != 1:
        return None
    inst = getCustomOp(node)
    if inst.get_nodeattr("out_scale") != 2 or inst.get_nodeattr("out_bias") != -1:
        return None
    return node


class InferZeroPaddedMVAU(Transformation):
    def apply(self, model):
        for node in model.get_nodes_by_op_type("ZeroPadXnorMatMul"):
            weights = model.get_initializer(node.input[1])
            mw, mh = weights.shape
            in_shape = model.get_tensor_shape(node.input[0])
            threshold = only_consumer(model, node.output[0], "MultiThreshold")
            xnor = getCustomOp(node).get_nodeattr("xnor")
            attrs = dict(MW=mw, MH=mh, SIMD=1, PE=1, inputDataType="BINARY",  # codes of +-1 values
                         weightDataType="BINARY" if xnor else model.get_tensor_datatype(node.input[1]).name,
                         binaryXnorMode=xnor, numInputVectors=list(in_shape[:-1]), backend="fpgadataflow",
                         zeroPadBorder=getCustomOp(node).get_nodeattr("zeroPadBorder"))
            if threshold is not None and model.get_initializer(threshold.input[1]) is not None:
                odt = model.get_tensor_datatype(threshold.output[0])
                new = helper.make_node("MVAU_bcnn", [node.input[0], node.input[1], threshold.input[1]],
                                       [threshold.output[0]], name=node.name, domain=DOMAIN, outputDataType=odt.name,
                                       ActVal=0 if odt.bitwidth() == 1 else int(odt.min()), noActivation=0, **attrs)
                removed = [node, threshold]
            else:
                odt = model.get_tensor_datatype(node.output[0])
                new = helper.make_node("MVAU_bcnn", [node.input[0], node.input[1]], [node.output[0]], name=node.name,
                                       domain=DOMAIN, outputDataType=odt.name, ActVal=0, noActivation=1, **attrs)
                removed = [node]
            model.graph.node.insert(list(model.graph.node).index(node), new)
            for old in removed:
                model.graph.node.remove(old)
            return model.transform(InferShapes()).transform(InferDataTypes()), True
        return model, False

