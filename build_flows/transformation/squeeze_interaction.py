"""DGRL's Squeeze-and-Interaction shortcut through streamlining and onto bcnn layers.

The export: the block input (NCHW) -> ReduceSum over H, W -> a scale -> a small binary FC stage on
a (1, C) vector -> Unsqueeze to (1, C, 1, 1) -> a broadcasting Add with the block's output.

- ExplicitPixelBroadcast (on the QONNX graph): the broadcast becomes explicit and NHWC: Unsqueeze
  to (1, 1, 1, C), Tile to (1, H, W, C), Transpose to NCHW; the Add then joins equal shapes and
  its two transposes can move past it like a residual's (the Tile is a channel-last repeat that
  repeat_channels.py already moves scales through).
- (move_scalar_mul.py moves the grid scale past the ReduceSum: sum(x * s) = sum(x) * s.)
- AbsorbTransposeIntoReduceSum: a sum over H, W of an NHWC tensor transposed to NCHW is the sum
  over axes 1, 2 of the NHWC tensor itself.
- InferGlobalSum: a ReduceSum over the pixels of an NHWC integer tensor -> GlobalSum_bcnn.
- InferPixelBroadcast: Unsqueeze (1, C) -> (1, 1, 1, C) + Tile over the pixels -> BroadcastPixels_bcnn.
"""

import numpy as np
from onnx import helper
from qonnx.transformation.base import Transformation

from ..custom_op.base import DOMAIN
from .graph_match import new_tensor, only_consumer, producer

NCHW_FROM_NHWC = [0, 3, 1, 2]


def _axes(model, node) -> list | None:
    """A ReduceSum's or Unsqueeze's axes (an input since opset 13, an attribute before)."""
    if len(node.input) > 1:
        value = model.get_initializer(node.input[1])
        return None if value is None else sorted(int(a) for a in np.asarray(value).reshape(-1))
    attr = next((a for a in node.attribute if a.name == "axes"), None)
    return None if attr is None else sorted(attr.ints)


def _keepdims(node) -> int:
    return next((a.i for a in node.attribute if a.name == "keepdims"), 1)


def _initializer(model, value) -> str:
    name = model.make_new_valueinfo_name()
    model.set_initializer(name, np.asarray(value, dtype=np.int64))
    return name


def _tensor(model, like: str, shape) -> str:
    return new_tensor(model, shape, model.get_tensor_datatype(like))


class ExplicitPixelBroadcast(Transformation):
    def apply(self, model):
        for index, add in enumerate(model.graph.node):
            if add.op_type != "Add" or len(add.input) != 2:
                continue
            for side in (0, 1):
                unsqueeze = producer(model, add.input[side], "Unsqueeze")
                other = model.get_tensor_shape(add.input[1 - side])
                if unsqueeze is None or other is None or len(other) != 4 or _axes(model, unsqueeze) != [2, 3]:
                    continue
                vector = unsqueeze.input[0]
                (n, c), (h, w) = model.get_tensor_shape(vector), other[2:]
                if list(other[:2]) != [n, c] or len(model.find_consumers(unsqueeze.output[0])) != 1:
                    continue
                pixel = _tensor(model, vector, [n, 1, 1, c])
                tiled = _tensor(model, vector, [n, h, w, c])
                nchw = _tensor(model, vector, other)
                model.graph.node.remove(unsqueeze)
                at = list(model.graph.node).index(add)
                model.graph.node.insert(at, helper.make_node("Unsqueeze", [vector, _initializer(model, [1, 2])], [pixel]))
                model.graph.node.insert(at + 1, helper.make_node("Tile", [pixel, _initializer(model, [1, h, w, 1])],
                                                                 [tiled]))
                model.graph.node.insert(at + 2, helper.make_node("Transpose", [tiled], [nchw], perm=NCHW_FROM_NHWC))
                add.input[side] = nchw
                return model, True
        return model, False


class AbsorbTransposeIntoReduceSum(Transformation):
    def apply(self, model):
        for transpose in model.get_nodes_by_op_type("Transpose"):
            reduce = only_consumer(model, transpose.output[0], "ReduceSum")
            perm = list(next(a.ints for a in transpose.attribute if a.name == "perm"))
            if reduce is None or perm != NCHW_FROM_NHWC or _axes(model, reduce) != [2, 3] or _keepdims(reduce):
                continue
            reduce.input[0] = transpose.input[0]
            reduce.input[1] = _initializer(model, [1, 2])
            model.graph.node.remove(transpose)
            return model, True
        return model, False


class InferGlobalSum(Transformation):
    def apply(self, model):
        for index, reduce in enumerate(model.graph.node):
            if reduce.op_type != "ReduceSum" or _axes(model, reduce) != [1, 2] or _keepdims(reduce):
                continue
            shape, dt = model.get_tensor_shape(reduce.input[0]), model.get_tensor_datatype(reduce.input[0])
            if len(shape) != 4 or not dt.is_integer():
                continue
            model.graph.node.insert(index, helper.make_node(
                "GlobalSum_bcnn", [reduce.input[0]], [reduce.output[0]], domain=DOMAIN, backend="fpgadataflow",
                NumChannels=int(shape[-1]), PE=1, inputDataType=dt.name, numInputVectors=list(shape[:-1]),
                name=f"GlobalSum_{reduce.name or index}"))
            model.graph.node.remove(reduce)
            return model, True
        return model, False


class InferPixelBroadcast(Transformation):
    def apply(self, model):
        for unsqueeze in model.get_nodes_by_op_type("Unsqueeze"):
            tile = only_consumer(model, unsqueeze.output[0], "Tile")
            reps = model.get_initializer(tile.input[1]) if tile is not None else None
            vector = model.get_tensor_shape(unsqueeze.input[0])
            if reps is None or _axes(model, unsqueeze) != [1, 2] or len(vector) != 2 or int(reps[-1]) != 1:
                continue
            h, w = int(reps[1]), int(reps[2])
            index = list(model.graph.node).index(tile)
            model.graph.node.insert(index, helper.make_node(
                "BroadcastPixels_bcnn", [unsqueeze.input[0]], [tile.output[0]], domain=DOMAIN, backend="fpgadataflow",
                NumChannels=int(vector[-1]), Repeats=h * w, OutputDims=[h, w], SIMD=1,
                inputDataType=model.get_tensor_datatype(unsqueeze.input[0]).name,
                numInputVectors=[int(vector[0])], name=f"BroadcastPixels_{tile.name or index}"))
            model.graph.node.remove(tile)
            model.graph.node.remove(unsqueeze)
            return model, True
        return model, False
