"""Average pooling as users write it (nn.AvgPool2d, nn.AdaptiveAvgPool2d(1)) onto sum pools, exactly.

An average is a sum times 1/k (k the window's size, torch's default count_include_pad=True: the
border's zeros count), and the sum of integers is an integer: so once the grid scale of the
quantized input has moved past the pool, the pool becomes a sum pool on the integer codes and a
scalar Mul(1/k) that streamlining absorbs into the thresholds (or the classifier) that follow.

- MoveScalarMulPastAveragePool / MoveScalarMulPastReduceMean: avg(x * s) = avg(x) * s (FINN+'s
  MoveScalarLinearPastInvariants does so for GlobalAveragePool).
- LowerAveragePool: AveragePool (NCHW, integer input) -> Transpose to NHWC -> Im2Col (depthwise,
  zero padded) -> FINN+'s Pool with Function AccPool -> Transpose back -> Mul(1/k). FINN+ turns the
  Im2Col into its padding layer and depthwise sliding window, as for a max pool; the Pool becomes
  Pool_bcnn (hw/sumpool/bcnn_sumpool.sv).
- LowerGlobalAveragePool: GlobalAveragePool, or ReduceMean over H, W -> ReduceSum over H, W
  (DGRL's pixel sum: squeeze_interaction.py makes it GlobalSum_bcnn) -> Mul(1/(H*W)) [-> Reshape
  to a kept (N, C, 1, 1)]; RemoveReshapeRoundTrip drops that Reshape with the classifier's flatten,
  after MoveUnitReshapePastMultiThreshold has moved a quantizer between the two in front of both.
Earlier, pooled_quant.py gives the quantizer right after an average pool thresholds found from
every window sum (exact at ties), and pool_codes.py makes a +-1 activation a pool reads TERNARY.

What cannot be exact (count_include_pad=0 with padding: the divisor changes at the border;
ceil_mode windows that leave the input; dilation) is refused before the build (checks.py)."""
import numpy as np
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from .graph_match import new_tensor
from ..custom_op.datatypes import sum_datatype
from .move_scalar_mul import MoveScalarMulPast

NHWC_FROM_NCHW = [0, 2, 3, 1]
NCHW_FROM_NHWC = [0, 3, 1, 2]
PIXEL_AXES = [2, 3]  # H, W of an NCHW tensor


def _attr(node, name, default=None):
    found = next((a for a in node.attribute if a.name == name), None)
    return default if found is None else helper.get_attribute_value(found)


def reduce_axes(model, node) -> list | None:
    """A ReduceMean's/ReduceSum's axes (an input since opset 18, an attribute before), None if unknown."""
    if len(node.input) > 1 and node.input[1]:
        value = model.get_initializer(node.input[1])
        return None if value is None else sorted(int(a) for a in np.asarray(value).reshape(-1))
    axes = _attr(node, "axes")
    return None if axes is None else sorted(int(a) for a in axes)


def pixel_axes(model, node) -> bool:
    """Does the ReduceMean average over the pixels (H, W) of a 4D tensor, negative axes included?"""
    axes, shape = reduce_axes(model, node), model.get_tensor_shape(node.input[0])
    return axes is not None and shape is not None and len(shape) == 4 and sorted(a % 4 for a in axes) == PIXEL_AXES


class MoveScalarMulPastAveragePool(MoveScalarMulPast):
    op_type = "AveragePool"

    def moved_datatype(self, dt, in_shape, out_shape):
        return DataType["FLOAT32"]  # an average of integers is not one


class MoveScalarMulPastReduceMean(MoveScalarMulPast):
    op_type = "ReduceMean"

    def moved_datatype(self, dt, in_shape, out_shape):
        return DataType["FLOAT32"]


def _insert_after(model, anchor, nodes) -> None:
    at = list(model.graph.node).index(anchor)
    for offset, node in enumerate(nodes):
        model.graph.node.insert(at + 1 + offset, node)


def _scale(model, value: float) -> str:
    name = model.make_new_valueinfo_name()
    model.set_initializer(name, np.asarray(value, dtype=np.float32))
    return name


class LowerAveragePool(Transformation):
    def apply(self, model):
        for node in model.get_nodes_by_op_type("AveragePool"):
            x, out = node.input[0], node.output[0]
            dt, shape = model.get_tensor_datatype(x), model.get_tensor_shape(x)
            if not dt.is_integer() or shape is None or len(shape) != 4:
                continue  # the input's scale has not moved past it (yet)
            kh, kw = _attr(node, "kernel_shape")
            sh, sw = _attr(node, "strides", [1, 1])
            pads = [int(p) for p in _attr(node, "pads", [0, 0, 0, 0])]
            n, c, h, w = shape
            _, _, oh, ow = model.get_tensor_shape(out)
            window = kh * kw
            nhwc = new_tensor(model, [n, h, w, c], dt)
            windows = new_tensor(model, [n, oh, ow, window * c], dt)
            sums_dt = sum_datatype(dt, window)
            sums = new_tensor(model, [n, oh, ow, c], sums_dt)
            sums_nchw = new_tensor(model, [n, c, oh, ow], sums_dt)
            lowered = [
                helper.make_node("Transpose", [x], [nhwc], perm=NHWC_FROM_NCHW),
                helper.make_node("Im2Col", [nhwc], [windows], domain="qonnx.custom_op.general", stride=[sh, sw],
                                 kernel_size=[kh, kw], pad_amount=pads, pad_value=0, depthwise=1,
                                 input_shape=f"(1,{h},{w},{c})", name=f"Im2Col_{node.name}"),
                helper.make_node("Pool", [windows], [sums], domain="finn.custom_op.fpgadataflow",
                                 backend="fpgadataflow", InputDataType=dt.name, OutputDataType=sums_dt.name,
                                 Channels=c, PE=c, KernelSize=[kh, kw], Function="AccPool", OutImgDims=[oh, ow],
                                 BatchSize=1, name=f"SumPool_{node.name}"),
                helper.make_node("Transpose", [sums], [sums_nchw], perm=NCHW_FROM_NHWC),
                helper.make_node("Mul", [sums_nchw, _scale(model, 1.0 / window)], [out]),
            ]
            _insert_after(model, node, lowered)
            model.graph.node.remove(node)
            return model.transform(InferShapes()).transform(InferDataTypes()), True
        return model, False


class LowerGlobalAveragePool(Transformation):
    def apply(self, model):
        for node in model.graph.node:
            if node.op_type == "GlobalAveragePool":
                keepdims = True
            elif node.op_type == "ReduceMean" and pixel_axes(model, node):
                keepdims = bool(_attr(node, "keepdims", 1))
            else:
                continue
            x, out = node.input[0], node.output[0]
            dt, (n, c, h, w) = model.get_tensor_datatype(x), model.get_tensor_shape(x)
            if not dt.is_integer():
                continue
            sums = new_tensor(model, [n, c], sum_datatype(dt, h * w))
            mean = new_tensor(model, [n, c], DataType["FLOAT32"]) if keepdims else out
            if model.get_opset_imports().get("", 13) >= 13:  # axes an input since opset 13
                reduce = helper.make_node("ReduceSum", [x, _int64s(model, PIXEL_AXES)], [sums], keepdims=0)
            else:
                reduce = helper.make_node("ReduceSum", [x], [sums], axes=PIXEL_AXES, keepdims=0)
            lowered = [
                reduce,
                helper.make_node("Mul", [sums, _scale(model, 1.0 / (h * w))], [mean]),
            ]
            if keepdims:
                lowered.append(helper.make_node("Reshape", [mean, _int64s(model, [n, c, 1, 1])], [out]))
            _insert_after(model, node, lowered)
            model.graph.node.remove(node)
            return model.transform(InferShapes()).transform(InferDataTypes()), True
        return model, False


def _int64s(model, values) -> str:
    name = model.make_new_valueinfo_name()
    model.set_initializer(name, np.asarray(values, dtype=np.int64))
    return name


class RemoveReshapeRoundTrip(Transformation):
    """Reshape A -> B then Reshape/Flatten B -> A (a kept (N, C, 1, 1) mean and the classifier's
    flatten) is no reshape at all: the second's readers read the first's input."""

    def apply(self, model):
        for second in model.graph.node:
            first = model.find_producer(second.input[0]) if second.op_type in ("Reshape", "Flatten") else None
            if first is None or first.op_type != "Reshape" or len(model.find_consumers(first.output[0])) != 1:
                continue
            source, result = first.input[0], second.output[0]
            if (model.get_tensor_shape(source) != model.get_tensor_shape(result)
                    or result in [o.name for o in model.graph.output]):
                continue
            for reader in model.find_consumers(result):
                reader.input[:] = [source if t == result else t for t in reader.input]
            model.graph.node.remove(second)
            model.graph.node.remove(first)
            return model, True
        return model, False


def _unit_dims_only(before, after) -> bool:
    """Do two shapes differ only by trailing size-1 dimensions past N, C ((N, C) <-> (N, C, 1, 1))?"""
    return (before is not None and after is not None and len(before) >= 2 and len(after) >= 2
            and list(before[:2]) == list(after[:2]) and all(d == 1 for d in [*before[2:], *after[2:]]))


class MoveUnitReshapePastMultiThreshold(Transformation):
    """A kept (N, C, 1, 1) mean quantized before the classifier's flatten (nn.AdaptiveAvgPool2d(1),
    a QuantIdentity, then torch.flatten) puts the quantizer between the two Reshapes of the round trip.
    Thresholds compare per channel, so the quantizer reads the (N, C) sums just as well: it moves in
    front of the Reshape, and RemoveReshapeRoundTrip can then drop both."""

    def apply(self, model):
        for reshape in model.graph.node:
            if reshape.op_type != "Reshape":
                continue
            readers = model.find_consumers(reshape.output[0])
            if len(readers) != 1 or readers[0].op_type != "MultiThreshold":
                continue
            quant, source = readers[0], reshape.input[0]
            if not _unit_dims_only(model.get_tensor_shape(source), model.get_tensor_shape(reshape.output[0])):
                continue
            if quant.output[0] in [o.name for o in model.graph.output]:
                continue
            codes = new_tensor(model, model.get_tensor_shape(source), model.get_tensor_datatype(quant.output[0]))
            quant.input[0], quant.output[0], reshape.input[0], reshape.output[0] = (
                source, codes, codes, quant.output[0])
            for attr in quant.attribute:
                if attr.name == "data_layout":
                    attr.s = b"NC" if len(model.get_tensor_shape(source)) == 2 else attr.s
            # the graph must stay in topological order: the quantizer now comes first
            model.graph.node.remove(quant)
            model.graph.node.insert(list(model.graph.node).index(reshape), quant)
            return model.transform(InferShapes()).transform(InferDataTypes()), True
        return model, False


class SizeSumPoolOutputs(Transformation):
    """FINN+ sizes an AccPool's sum by the larger magnitude of k*min and k*max and picks the smallest
    datatype for it, which for a symmetric input (nine TERNARY values: -9..9) is UINT4: it cannot hold
    the negative sums. Run after MinimizeAccumulatorWidth: every sum pool's output gets the datatype
    that holds both ends (move_scalar_mul.sum_datatype)."""

    def apply(self, model):
        changed = False
        for node in model.graph.node:
            if not node.op_type.startswith("Pool") or _attr(node, "Function", b"").decode() != "AccPool":
                continue
            idt = DataType[_attr(node, "InputDataType").decode()]
            needed = sum_datatype(idt, int(np.prod(_attr(node, "KernelSize"))))
            if _attr(node, "OutputDataType").decode() != needed.name:
                for attr in node.attribute:
                    if attr.name == "OutputDataType":
                        attr.s = needed.name.encode()
                model.set_tensor_datatype(node.output[0], needed)
                changed = True
        return (model.transform(InferDataTypes()) if changed else model), False
