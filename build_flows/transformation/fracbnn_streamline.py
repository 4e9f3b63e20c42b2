"""Streamlining around FracBNN's layers (made by build_flows/fracbnn.py).

- XnorThermometerMatMul: the first layer takes the thermometer's bits (through a convolution's
  sliding window and layout transposes, if any); as FINN+ does for a
  bipolar MatMul after a bipolar MultiThreshold, the thermometer emits 1/0 instead of +1/-1 and
  the MatMul becomes an XNOR-popcount p, with W.x = 2p - K restored by a Mul and an Add that
  streamlining absorbs into the thresholds.
- AbsorbSignIntoFracMVAU: a -1 scale on some channels of a FracMVAU's accumulator (a negative
  BatchNorm gain; FINN+ absorbs only positive scales into thresholds) flips those channels'
  weights. Flipping maps pa -> MW - pa and pb -> MW - pb, so acc -> 4*MW - acc and the gate
  interval [lo, hi] -> [MW - hi, MW - lo]: the -1 becomes an Add of -4*MW, which is absorbed.
  A convolution's unit has its layout Transpose (NHWC -> NCHW) before that scale.
- AbsorbActivationIntoFracMVAU: FracMVAU (raw accumulator) -> MultiThreshold becomes one
  FracMVAU with integer thresholds, as FINN+'s MVAU absorbs its activation.
"""
import numpy as np
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation

from ..custom_op.frac_mvau import accumulator_range
from .graph_match import only_consumer


def _layout_path(model, tensor: str) -> list:
    """`tensor` and the tensors back through the sliding window and layout transposes of a
    convolutional first layer (each read only by the next), up to the thermometer's output."""
    path = [tensor]
    node = model.find_producer(tensor)
    while node is not None and node.op_type in ("Im2Col", "Transpose") and len(model.find_consumers(tensor)) == 1:
        tensor = node.input[0]
        path.append(tensor)
        node = model.find_producer(tensor)
    return path


class XnorThermometerMatMul(Transformation):
    def apply(self, model):
        for index, node in enumerate(model.graph.node):
            if node.op_type != "MatMul":
                continue
            path = _layout_path(model, node.input[0])
            producer = model.find_producer(path[-1])
            if producer is None or producer.op_type != "Thermometer_bcnn":
                continue
            weights = model.get_initializer(node.input[1])
            if weights is None or model.get_tensor_datatype(node.input[1]) != DataType["BIPOLAR"]:
                continue
            getCustomOp(producer).set_nodeattr("outputDataType", "BINARY")
            for tensor in path:
                model.set_tensor_datatype(tensor, DataType["BINARY"])
            model.set_initializer(node.input[1], (weights + 1) / 2)
            model.set_tensor_datatype(node.input[1], DataType["BINARY"])
            popcount, doubled, two, minus_k = (model.make_new_valueinfo_name() for _ in range(4))
            shape = model.get_tensor_shape(node.output[0])
            for tensor in (popcount, doubled):
                model.set_tensor_shape(tensor, shape)
            model.set_tensor_datatype(popcount, DataType["UINT32"])
            model.set_initializer(two, np.asarray([2.0], dtype=np.float32))
            model.set_initializer(minus_k, np.asarray([-float(weights.shape[0])], dtype=np.float32))
            output = node.output[0]
            node.op_type, node.domain, node.output[0] = "XnorPopcountMatMul", "qonnx.custom_op.general", popcount
            model.graph.node.insert(index + 1, helper.make_node("Mul", [popcount, two], [doubled]))
            model.graph.node.insert(index + 2, helper.make_node("Add", [doubled, minus_k], [output]))
            return model, True
        return model, False


class AbsorbSignIntoFracMVAU(Transformation):
    def apply(self, model):
        for node in model.get_nodes_by_op_type("FracMVAU_bcnn"):
            # a convolution's unit: FracMVAU (NHWC) -> Transpose -> Mul on NCHW channels
            transpose = only_consumer(model, node.output[0], "Transpose")
            mul = only_consumer(model, (transpose or node).output[0], "Mul")
            scale = model.get_initializer(mul.input[1]) if mul is not None else None
            if scale is None:
                continue
            inst = getCustomOp(node)
            mw, mh = inst.get_nodeattr("MW"), inst.get_nodeattr("MH")
            signs = np.broadcast_to(scale.reshape(-1), (mh,))
            if not np.all(np.abs(signs) == 1) or not inst.get_nodeattr("noActivation"):
                continue
            flip = signs < 0
            weights = model.get_initializer(node.input[1]).copy()
            weights[:, flip] *= -1
            model.set_initializer(node.input[1], weights)
            low, high = np.asarray(inst.get_nodeattr("gateLow")), np.asarray(inst.get_nodeattr("gateHigh"))
            gated = low <= high
            new_low = np.where(flip & gated, mw - high, low)
            new_high = np.where(flip & gated, mw - low, high)
            inst.set_nodeattr("gateLow", [int(v) for v in new_low])
            inst.set_nodeattr("gateHigh", [int(v) for v in new_high])
            shape = [1] * len(model.get_tensor_shape(mul.input[0]))
            shape[1 if transpose is not None else -1] = mh
            model.set_initializer(mul.input[1], np.where(flip, -4.0 * mw, 0.0).astype(np.float32).reshape(shape))
            mul.op_type = "Add"
            return model, True
        return model, False


class AbsorbActivationIntoFracMVAU(Transformation):
    def apply(self, model):
        for node in model.get_nodes_by_op_type("FracMVAU_bcnn"):
            threshold = only_consumer(model, node.output[0], "MultiThreshold")
            inst = getCustomOp(node)
            if threshold is None or not inst.get_nodeattr("noActivation"):
                continue
            mt = getCustomOp(threshold)
            out_dt = DataType[mt.get_nodeattr("out_dtype")]
            bias, scale = mt.get_nodeattr("out_bias"), mt.get_nodeattr("out_scale")
            if scale != 1.0 or int(bias) != bias:
                continue
            low, high = accumulator_range(inst.get_nodeattr("MW"))
            # acc is an integer: acc >= t exactly when acc >= ceil(t); beyond the range, one past it
            thresholds = np.clip(np.ceil(model.get_initializer(threshold.input[1])), low, high + 1)
            model.set_initializer(threshold.input[1], thresholds.astype(np.float32))
            node.input.append(threshold.input[1])
            node.output[0] = threshold.output[0]
            inst.set_nodeattr("noActivation", 0)
            inst.set_nodeattr("ActVal", int(bias))
            inst.set_nodeattr("outputDataType", out_dt.name)
            model.graph.node.remove(threshold)
            return model, True
        return model, False
