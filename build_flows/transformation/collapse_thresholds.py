"""Collapse a MultiThreshold that feeds only another MultiThreshold into one.

A residual's sum is requantized (clamped to the shortcut's 8-bit grid) and then binarized for the
next binary layer (or a +-1 activation requantized by a shortcut's quantizer); both are monotone
step functions of the sum, so their composition is one: y = scale_a * count(x >= Ta) + bias_a
(scale_a > 0: 2 for +-1), and y >= t holds exactly when at least m = ceil((t - bias_a) / scale_a)
of the sorted thresholds Ta are reached, i.e. x >= Ta[m - 1] (always for m <= 0, never for
m > len(Ta)).
The collapsed node has the second node's output; one thresholding layer instead of a 255-step one
and a 1-step one."""
import math

import numpy as np
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import InferDataTypes


class CollapseConsecutiveThresholds(Transformation):
    def apply(self, model):
        for second in model.graph.node:
            first = model.find_producer(second.input[0]) if second.op_type == "MultiThreshold" else None
            if first is None or first.op_type != "MultiThreshold" or len(model.find_consumers(first.output[0])) != 1:
                continue
            a, b = getCustomOp(first), getCustomOp(second)
            scale = a.get_nodeattr("out_scale")
            if scale <= 0 or a.get_nodeattr("data_layout") != b.get_nodeattr("data_layout"):
                continue
            x_dt = model.get_tensor_datatype(first.input[0])
            if not x_dt.is_integer():
                continue
            ta = np.sort(model.get_initializer(first.input[1]), axis=1)
            tb = model.get_initializer(second.input[1])
            channels = max(len(ta), len(tb))
            ta, tb = np.broadcast_to(ta, (channels, ta.shape[1])), np.broadcast_to(tb, (channels, tb.shape[1]))
            never, always = x_dt.max() + 1, x_dt.min()
            steps = ta.shape[1]
            collapsed = np.empty(tb.shape, dtype=np.float32)
            for c in range(channels):
                for j, t in enumerate(tb[c]):
                    m = math.ceil((t - a.get_nodeattr("out_bias")) / scale)
                    collapsed[c, j] = always if m <= 0 else never if m > steps else ta[c, m - 1]
            model.set_initializer(second.input[1], collapsed)
            second.input[0] = first.input[0]
            model.graph.node.remove(first)
            return model.transform(InferDataTypes()), True
        return model, False
