"""ClipThresholdsToInput: a thresholding layer's thresholds clipped to its input's range.

A signed first quantizer fed unsigned pixels (a user's QuantIdentity, inputs normalised or not)
has thresholds below zero, reached by every pixel; FINN+'s threshold memory for an unsigned input
requires them non-negative (an assertion in MinimizeWeightBitWidth). Clipped to [min, max + 1] of
the input type (and rounded up: the input is an integer), every comparison is the same. Only the
standalone layers: an MVAU's thresholds are clipped to its accumulator once its width is known
(RoundAndClipThresholds, after MinimizeAccumulatorWidth)."""
import numpy as np
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation


class ClipThresholdsToInput(Transformation):
    def apply(self, model):
        changed = False
        for node in model.graph.node:
            if not node.op_type.startswith("Thresholding"):
                continue
            thresholds = model.get_initializer(node.input[1])
            idt = getCustomOp(node).get_input_datatype(0)
            if thresholds is None or not idt.is_integer():
                continue
            clipped = np.clip(np.ceil(thresholds), idt.min(), idt.max() + 1).astype(np.float32)
            if not np.array_equal(clipped, thresholds):
                model.set_initializer(node.input[1], clipped)
                changed = True
        return model, changed
