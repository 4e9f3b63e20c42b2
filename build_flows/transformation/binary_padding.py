"""A binary convolution's -1 border (models/blocks/layers.PadBinary) into the sliding window.

The model pads its +-1 activations with an explicit Pad(-1) before an unpadded Conv. After the
convolution is lowered (Transpose -> Im2Col -> MatMul), AbsorbPadIntoIm2Col moves the border into
the Im2Col (pad_amount, pad_value -1), which FINN+ turns into its padding layer. Once the bipolar
activations travel as binary codes (0 for -1, for the XNOR-popcount), BinaryIm2ColPadValue makes
the border the code 0 as well, the value that padding layer streams."""
import numpy as np
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_shapes import InferShapes

NCHW_TO_NHWC = [0, 2, 3, 1]


def spatial_pads(model, pad) -> list | None:
    """ONNX Pad's spatial pads of an NCHW tensor as Im2Col's [H_begin, W_begin, H_end, W_end],
    None if it pads the batch or channel axes, or its value is not a constant."""
    pads = model.get_initializer(pad.input[1])
    if pads is None or (len(pad.input) > 3 and pad.input[3]):
        return None
    pads = [int(p) for p in pads]
    if len(pads) != 8 or any(pads[i] for i in (0, 1, 4, 5)):
        return None
    return [pads[2], pads[3], pads[6], pads[7]]


class AbsorbPadIntoIm2Col(Transformation):
    def apply(self, model):
        for pad in model.graph.node:
            if pad.op_type != "Pad" or len(model.find_consumers(pad.output[0]) or []) != 1:
                continue
            transpose = model.find_consumer(pad.output[0])
            if transpose.op_type != "Transpose" or list(transpose.attribute[0].ints) != NCHW_TO_NHWC:
                continue
            im2col = model.find_consumer(transpose.output[0])
            amount = spatial_pads(model, pad)
            value = model.get_initializer(pad.input[2]) if len(pad.input) > 2 and pad.input[2] else np.zeros(1)
            if im2col is None or im2col.op_type != "Im2Col" or amount is None or value is None or value.size != 1:
                continue
            inst = getCustomOp(im2col)
            if any(inst.get_nodeattr("pad_amount")) or float(value) != int(value):
                continue
            inst.set_nodeattr("pad_amount", amount)
            inst.set_nodeattr("pad_value", int(value))
            n, c, h, w = model.get_tensor_shape(pad.input[0])
            inst.set_nodeattr("input_shape", f"({n},{h},{w},{c})")  # now the unpadded tensor
            transpose.input[0] = pad.input[0]
            model.graph.node.remove(pad)
            model.set_tensor_shape(transpose.output[0], None)
            return model.transform(InferShapes()), True
        return model, False


class BinaryIm2ColPadValue(Transformation):
    def apply(self, model):
        changed = False
        for node in model.get_nodes_by_op_type("Im2Col"):
            inst = getCustomOp(node)
            if model.get_tensor_datatype(node.input[0]) == DataType["BINARY"] and inst.get_nodeattr("pad_value") == -1:
                inst.set_nodeattr("pad_value", 0)
                changed = True
        return model, changed
