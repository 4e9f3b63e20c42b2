"""A scalar scale moves past an op it commutes with, so the grid scale keeps moving towards the
thresholds that absorb it: Tile(x * s) = Tile(x) * s (SoFAr's channel repeat, DGRL's pixel
broadcast), ReduceSum(x * s) = ReduceSum(x) * s (DGRL's squeeze)."""
import math

from qonnx.core.datatype import DataType
from qonnx.transformation.base import Transformation

from ..custom_op.datatypes import sum_datatype
from .graph_match import new_tensor, only_consumer, scalar


class MoveScalarMulPast(Transformation):
    """Mul(x, s) -> op -> out becomes op -> Mul(., s) -> out, for the op reading x first."""

    op_type = ""

    def moved_datatype(self, dt: DataType, in_shape, out_shape) -> DataType:
        """The datatype of the op's output once it reads x itself."""
        return dt

    def apply(self, model):
        for mul in model.get_nodes_by_op_type("Mul"):
            node = only_consumer(model, mul.output[0], self.op_type)
            if node is None or node.input[0] != mul.output[0] or scalar(model, mul.input[1]) is None:
                continue
            x, out = mul.input[0], node.output[0]
            out_shape = model.get_tensor_shape(out)
            moved = new_tensor(model, out_shape, self.moved_datatype(model.get_tensor_datatype(x),
                                                                     model.get_tensor_shape(x), out_shape))
            node.input[0], node.output[0] = x, moved  # x -> op -> moved -> Mul -> out
            mul.input[0], mul.output[0] = moved, out
            model.graph.node.remove(mul)
            model.graph.node.insert(list(model.graph.node).index(node) + 1, mul)
            return model, True
        return model, False


class MoveScalarMulPastTile(MoveScalarMulPast):
    op_type = "Tile"


class MoveScalarMulPastReduceSum(MoveScalarMulPast):
    op_type = "ReduceSum"

    def moved_datatype(self, dt, in_shape, out_shape):
        return sum_datatype(dt, math.prod(in_shape) // math.prod(out_shape))
