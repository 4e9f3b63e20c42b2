"""Give a matrix-vector unit a weight type that holds every one of its weights.

FINN+'s MinimizeWeightBitWidth picks the first type (qonnx's get_smallest_possible) whose range
reaches the weights' extreme, and checks the range only. Weights in [-1, 0] (a 2-bit layer whose
weights all quantized to <= 0: the fuzzer's seed 31, a 3x3 convolution of one input channel)
reach -1 first in BIPOLAR, which has no 0: the python execution still multiplies by the
initializer's 0s, while bcnn_mvau stores BIPOLAR weights as one bit each and reads every 0 as -1.
INT2 holds [-1, 0]; BIPOLAR is the only type picked wrongly (an extreme of -1 with no positive
weight is the only range it gets: TERNARY comes after it, and +1 alone goes to BINARY).

Runs right after MinimizeWeightBitWidth. XNOR units are left alone: their weights are 0/1 codes
of +-1 values, typed BINARY."""
import numpy as np
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation

from models.errors import InternalError


class WeightTypeHoldsEveryWeight(Transformation):
    def apply(self, model):
        for node in model.graph.node:
            if not node.op_type.startswith("MVAU"):
                continue
            inst = getCustomOp(node)
            weights = model.get_initializer(node.input[1])
            if weights is None or inst.get_nodeattr("binaryXnorMode"):
                continue
            values = np.unique(weights)
            if all(DataType[inst.get_nodeattr("weightDataType")].allowed(v) for v in values):
                continue
            if not all(DataType["INT2"].allowed(v) for v in values):
                raise InternalError(f"node '{node.name}': weights in [{values.min()}, {values.max()}] are not "
                                    f"{inst.get_nodeattr('weightDataType')}, nor INT2")
            inst.set_nodeattr("weightDataType", "INT2")
        return model, False
