"""ZeroPadXnorMatMul: a convolution over a zero-padded window of +-1 activations, before it becomes
a hardware layer (transformation/zero_padding.py makes it, InferZeroPaddedMVAU maps it).

Inputs: the window codes (1, OH, OW, K) in {0, 1} (code 1 = +1) from an Im2Col that pads with the
code 0, and the weights (K, MH): binary codes with xnor=1 (FINN+'s XNOR form), integers with
xnor=0 (a few-bit layer). The output is the zero-padded dot product (1, OH, OW, MH), as the model
computes it (a padded element contributes 0, see border.py)."""
import numpy as np
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.custom_op.base import CustomOp

from .border import Border


def dot_datatype(window: int) -> DataType:
    return DataType.get_smallest_possible(-window)


class ZeroPadXnorMatMul(CustomOp):
    def get_nodeattr_types(self):
        return {"zeroPadBorder": ("ints", True, []),  # border.Border.attribute()
                "xnor": ("i", False, 1, {0, 1})}

    def border(self) -> Border:
        return Border.from_attribute(self.get_nodeattr("zeroPadBorder"))

    def make_shape_compatible_op(self, model):
        node = self.onnx_node
        return helper.make_node("MatMul", [node.input[0], node.input[1]], [node.output[0]])

    def infer_node_datatype(self, model):
        if self.get_nodeattr("xnor"):
            dt = dot_datatype(self.border().window)
        else:  # at most the sum of the weights' magnitudes
            dt = DataType.get_smallest_possible(-int(np.abs(model.get_initializer(self.onnx_node.input[1])).sum(0).max()) - 1)
        model.set_tensor_datatype(self.onnx_node.output[0], dt)

    def execute_node(self, context, graph):
        node = self.onnx_node
        codes, weights = np.asarray(context[node.input[0]]), np.asarray(context[node.input[1]])
        if self.get_nodeattr("xnor"):
            dots = self.border().zero_padded_dot(codes, weights)
        else:
            dots = self.border().zero_padded_sum(2.0 * codes - 1.0, weights)
        context[node.output[0]] = dots.astype(np.float32)

    def verify_node(self):
        return []
