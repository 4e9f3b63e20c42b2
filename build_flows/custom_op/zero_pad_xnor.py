"""ZeroPadXnorMatMul: a binary convolution's XNOR-popcount over a zero-padded window, before it
becomes a hardware layer (transformation/zero_padding.py makes it, InferZeroPaddedMVAU maps it).

Inputs: the window codes (1, OH, OW, K) in {0, 1} from an Im2Col that pads with the code 0, and
the binary weights (K, MH); output: the zero-padded dot product (1, OH, OW, MH), an integer in
[-K, K], as the model computes it (a padded element contributes 0, see border.py)."""
import numpy as np
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.custom_op.base import CustomOp

from .border import Border


def dot_datatype(window: int) -> DataType:
    return DataType.get_smallest_possible(-window)


class ZeroPadXnorMatMul(CustomOp):
    def get_nodeattr_types(self):
        return {"zeroPadBorder": ("ints", True, [])}  # border.Border.attribute()

    def border(self) -> Border:
        return Border.from_attribute(self.get_nodeattr("zeroPadBorder"))

    def make_shape_compatible_op(self, model):
        node = self.onnx_node
        return helper.make_node("MatMul", [node.input[0], node.input[1]], [node.output[0]])

    def infer_node_datatype(self, model):
        model.set_tensor_datatype(self.onnx_node.output[0], dot_datatype(self.border().window))

    def execute_node(self, context, graph):
        node = self.onnx_node
        context[node.output[0]] = self.border().zero_padded_dot(context[node.input[0]],
                                                                context[node.input[1]]).astype(np.float32)

    def verify_node(self):
        return []
