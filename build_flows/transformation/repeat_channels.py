"""A channel repeat (SoFAr's widening shortcut: x.repeat(1, R, 1, 1), exported as Expand + Tile)
through streamlining and onto RepeatChannels_bcnn.

- RemoveNoOpExpand: the exporter's Expand to the tensor's own shape is an identity.
- (move_scalar_mul.py moves the grid scale past the repeat.)
- MoveTransposePastTile: Tile(Transpose(x, p), r) = Transpose(Tile(x, r'), p) with r'[p[i]] =
  r[i], so the layout transposes of a convolutional model pass the repeat and cancel (NHWC).
- InferRepeatChannels: a Tile of an NHWC tensor along its channels only -> RepeatChannels_bcnn.
"""
import numpy as np
from onnx import helper
from qonnx.transformation.base import Transformation

from ..custom_op.base import DOMAIN
from .graph_match import only_consumer


class RemoveNoOpExpand(Transformation):
    def apply(self, model):
        for node in model.get_nodes_by_op_type("Expand"):
            if model.get_tensor_shape(node.input[0]) != model.get_tensor_shape(node.output[0]):
                continue
            for consumer in model.find_consumers(node.output[0]):
                consumer.input[:] = [node.input[0] if t == node.output[0] else t for t in consumer.input]
            if node.output[0] in [o.name for o in model.graph.output]:
                continue
            model.graph.node.remove(node)
            return model, True
        return model, False


class MoveTransposePastTile(Transformation):
    def apply(self, model):
        for transpose in model.get_nodes_by_op_type("Transpose"):
            tile = only_consumer(model, transpose.output[0], "Tile")
            reps = model.get_initializer(tile.input[1]) if tile is not None else None
            if reps is None:
                continue
            perm = list(next(a.ints for a in transpose.attribute if a.name == "perm"))
            new_reps = np.ones_like(reps)
            for i, axis in enumerate(perm):
                new_reps[axis] = reps[i]
            x, out = transpose.input[0], tile.output[0]
            mid = model.make_new_valueinfo_name()
            shape = [d * int(r) for d, r in zip(model.get_tensor_shape(x), new_reps)]
            model.set_tensor_shape(mid, shape)
            model.set_tensor_datatype(mid, model.get_tensor_datatype(x))
            reps_name = model.make_new_valueinfo_name()
            model.set_initializer(reps_name, new_reps.astype(np.int64))
            index = list(model.graph.node).index(transpose)
            model.graph.node.remove(tile)
            model.graph.node.remove(transpose)
            model.graph.node.insert(index, helper.make_node("Tile", [x, reps_name], [mid]))
            model.graph.node.insert(index + 1, helper.make_node("Transpose", [mid], [out], perm=perm))
            return model, True
        return model, False


class InferRepeatChannels(Transformation):
    def apply(self, model):
        for index, tile in enumerate(model.graph.node):
            if tile.op_type != "Tile":
                continue
            reps = model.get_initializer(tile.input[1])
            shape = model.get_tensor_shape(tile.input[0])
            if reps is None or len(shape) != 4 or any(int(r) != 1 for r in reps[:-1]) or int(reps[-1]) < 2:
                continue
            dt = model.get_tensor_datatype(tile.input[0])
            model.graph.node.insert(index, helper.make_node(
                "RepeatChannels_bcnn", [tile.input[0]], [tile.output[0]], domain=DOMAIN, backend="fpgadataflow",
                NumChannels=int(shape[-1]), Repeats=int(reps[-1]), SIMD=1, inputDataType=dt.name,
                numInputVectors=list(shape[:-1]), name=f"RepeatChannels_{tile.name or index}"))
            model.graph.node.remove(tile)
            return model, True
        return model, False
