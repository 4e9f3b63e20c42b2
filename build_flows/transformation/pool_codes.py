"""Pools of quantized activations whose values cannot stream as they are, re-encoded exactly.

A quantizer's MultiThreshold outputs y = s * c + m: c counts the thresholds passed (0..n), s > 0
is its out_scale, m its out_bias (a +-1 activation: s = 2, m = -1; a signed b-bit one: s = 1,
m = -2^(b-1)). Pools commute with that map, so a pool can run on c and y follow it:

- BipolarSumPoolAsTernary: a +-1 stream has no hardware form outside an XNOR unit, and no zero for
  a sum pool's padding. The +-1 activation an average pool (or a global one) reads becomes TERNARY
  (-1, 0, +1 in two bits) instead: two equal thresholds per channel count 0 or 2, minus 1, so the
  values stay -1, +1, the padding's 0 exists (code 00) and the sums are the +-1 sums themselves
  (averaging the 0/1 codes instead would leave a -1 per element that a classifier without
  thresholds cannot absorb). TERNARY, not INT2: its lowest value -1 is the thresholds' bias, which
  FINN+'s binary MVAU takes from the datatype (INT2's -2 would shift every output). Two bits per
  element where the pool reads them.
- MaxPoolOverCodes: a max pool pads with its input's smallest value, but FINN+'s padding layer
  streams the code 0, which is the smallest value only of unsigned codes. A padded max pool of a
  signed (or +-1) activation that a quantizer or a fully connected layer reads next pools its
  codes: max(s c + m) = s max(c) + m, the border's code 0 being the smallest code, and s, m go
  into that quantizer's thresholds (or move behind the layer, which has no padding to shift). (A +-1 max pool that a binary layer reads pools codes already: FINN+'s XNOR conversion.)

Both need the activation's MultiThreshold (directly or through a layout Transpose) read by the
pool alone; otherwise they leave the pool alone and it is refused by name where it is mapped
(steps/hardware.py)."""
import numpy as np
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import InferDataTypes

from .graph_match import new_tensor
from .pooling import pixel_axes

BIPOLAR_SCALE_BIAS = (2.0, -1.0)


def _pads(node) -> list:
    found = next((a for a in node.attribute if a.name == "pads"), None)
    return [int(p) for p in found.ints] if found is not None else []


def source_threshold(model, tensor: str):
    """The MultiThreshold making `tensor`, directly or through one Transpose, when nothing else reads
    what it makes (re-encoding its output changes no other layer); else None."""
    node = model.find_producer(tensor)
    if node is not None and node.op_type == "Transpose" and len(model.find_consumers(tensor)) == 1:
        tensor, node = node.input[0], model.find_producer(node.input[0])
    if node is None or node.op_type != "MultiThreshold" or len(model.find_consumers(tensor)) != 1:
        return None
    return node


def _retype(model, threshold, start: str, dt: DataType) -> None:
    """Set the datatype of the MultiThreshold's output and every tensor from it to `start`."""
    getCustomOp(threshold).set_nodeattr("out_dtype", dt.name)
    tensor = threshold.output[0]
    model.set_tensor_datatype(tensor, dt)
    while tensor != start:
        tensor = model.find_consumer(tensor).output[0]
        model.set_tensor_datatype(tensor, dt)


def as_codes(model, threshold, start: str) -> tuple:
    """Make the MultiThreshold output its codes c (out_scale 1, out_bias 0, unsigned) -> (s, m)."""
    inst = getCustomOp(threshold)
    scale, bias = inst.get_nodeattr("out_scale"), inst.get_nodeattr("out_bias")
    steps = model.get_initializer(threshold.input[1]).shape[1]
    inst.set_nodeattr("out_scale", 1.0)
    inst.set_nodeattr("out_bias", 0.0)
    _retype(model, threshold, start, DataType["BINARY"] if steps == 1 else DataType.get_smallest_possible(steps))
    return scale, bias


def decode_after(model, node, scale: float, bias: float) -> None:
    """node's output y becomes scale * y + bias for its readers (a Mul and an Add behind the node)."""
    ops = [(op, value) for op, value in (("Mul", scale), ("Add", bias)) if (op, value) not in (("Mul", 1.0), ("Add", 0.0))]
    if not ops:
        return
    out = node.output[0]
    shape = model.get_tensor_shape(out)
    current = node.output[0] = new_tensor(model, shape, model.get_tensor_datatype(out))
    at = list(model.graph.node).index(node) + 1
    for index, (op, value) in enumerate(ops):
        constant = model.make_new_valueinfo_name()
        model.set_initializer(constant, np.asarray(value, dtype=np.float32))
        made = out if index == len(ops) - 1 else new_tensor(model, shape, DataType["FLOAT32"])
        model.graph.node.insert(at + index, helper.make_node(op, [current, constant], [made]))
        current = made


def _averages_pixels(model, node) -> bool:
    if node.op_type in ("AveragePool", "GlobalAveragePool"):
        return True
    return node.op_type == "ReduceMean" and pixel_axes(model, node)


class BipolarSumPoolAsTernary(Transformation):
    def apply(self, model):
        for node in model.graph.node:
            if not _averages_pixels(model, node) or model.get_tensor_datatype(node.input[0]) != DataType["BIPOLAR"]:
                continue
            threshold = source_threshold(model, node.input[0])
            if threshold is None:
                continue
            inst = getCustomOp(threshold)
            if (inst.get_nodeattr("out_scale"), inst.get_nodeattr("out_bias")) != BIPOLAR_SCALE_BIAS:
                continue
            model.set_initializer(threshold.input[1], np.repeat(model.get_initializer(threshold.input[1]), 2, axis=1))
            inst.set_nodeattr("out_scale", 1.0)
            _retype(model, threshold, node.input[0], DataType["TERNARY"])
            return model.transform(InferDataTypes()), True
        return model, False


def _read_alone_by(model, tensor: str, readers: tuple) -> bool:
    """Is `tensor` read by one of `readers` alone, directly or through layout ops?"""
    consumers = model.find_consumers(tensor)
    while len(consumers) == 1 and consumers[0].op_type in ("Transpose", "Reshape", "Flatten"):
        consumers = model.find_consumers(consumers[0].output[0])
    return len(consumers) == 1 and consumers[0].op_type in readers


# a quantizer takes the decoding's scale and bias into its thresholds; a fully connected layer
# (no padding to shift) moves them behind itself, into the next thresholds or the label select
POOLED_CODE_READERS = ("MultiThreshold", "MatMul")


class MaxPoolOverCodes(Transformation):
    def apply(self, model):
        for node in model.get_nodes_by_op_type("MaxPool"):
            if (not any(_pads(node)) or not model.get_tensor_datatype(node.input[0]).signed()
                    or not _read_alone_by(model, node.output[0], POOLED_CODE_READERS)):
                continue
            threshold = source_threshold(model, node.input[0])
            if threshold is None or getCustomOp(threshold).get_nodeattr("out_scale") <= 0:
                continue
            decode_after(model, node, *as_codes(model, threshold, node.input[0]))
            return model.transform(InferDataTypes()), True
        return model, False
