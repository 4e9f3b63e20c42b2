"""Thresholding layers whose channels all compare with the same thresholds store them once.

A requantization onto a residual's shortcut grid (the clip after every join of a ResNet) has one
set of thresholds for every channel; FINN+'s layer keeps a copy per channel, which in ResNet-20
at 10,000 FPS is 40 of its 61 thresholding layers and about half their block RAM (165 of 321
BRAM18 estimated), in ResNet-18 1,071 BRAM18. Such a layer gets sharedThresholds: its memories
hold the set once per PE lane (hw/thresholding/bcnn_thresholding.sv MEM_FOLDS = 1)."""
import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation


class ShareUniformThresholds(Transformation):
    def apply(self, model: ModelWrapper):
        for node in model.get_nodes_by_op_type("Thresholding_bcnn"):
            inst = getCustomOp(node)
            thresholds = np.asarray(model.get_initializer(node.input[1]))
            folds = inst.get_nodeattr("NumChannels") // inst.get_nodeattr("PE")
            if folds > 1 and np.all(thresholds == thresholds[:1]):
                inst.set_nodeattr("sharedThresholds", 1)
        return model, False
