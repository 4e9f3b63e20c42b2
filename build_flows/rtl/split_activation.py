"""SplitWideActivations: a matrix-vector unit whose activation has many thresholds hands them to a
thresholding layer of its own.

bcnn_mvau compares the accumulator with all of a channel's thresholds at once (what 1- and 2-bit
activations need: 1 or 3 comparators per lane). A residual's branch ends on the shortcut's 8-bit
grid: 255 thresholds per channel, 255 comparators and a 255-input popcount per lane (synthesized:
5,821 LUT for a 784 x 64 unit at PE = SIMD = 1, against 316 estimated). bcnn_thresholding
searches them in log2 steps instead, so the unit emits its accumulator and the thresholds move
into a Thresholding_bcnn behind it: the same function (the python execution checks it), a few
LUTs of comparators, and the thresholds in memory."""
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation
from qonnx.transformation.general import GiveUniqueNodeNames

MAX_PARALLEL_THRESHOLDS = 3  # a 2-bit activation's
# FracBNN's fractional unit activates the same way (bcnn_activate): ResNet-20's 18 units, each
# onto the shortcut's 8-bit grid, synthesized to 101,665 LUT at 6,000 FPS, against 47,161 estimated
UNITS = ("MVAU_bcnn", "FracMVAU_bcnn")


class SplitWideActivations(Transformation):
    def __init__(self, max_parallel: int = MAX_PARALLEL_THRESHOLDS):
        super().__init__()
        self.max_parallel = max_parallel

    def apply(self, model):
        for index, node in enumerate(model.graph.node):
            if node.op_type not in UNITS or len(node.input) < 3:
                continue
            mvau = getCustomOp(node)
            thresholds = model.get_initializer(node.input[2])
            if mvau.get_nodeattr("noActivation") or thresholds.shape[-1] <= self.max_parallel:
                continue
            acc_dt, out_dt = mvau.get_nodeattr("accDataType"), mvau.get_nodeattr("outputDataType")
            acc = model.make_new_valueinfo_name()
            model.set_tensor_shape(acc, model.get_tensor_shape(node.output[0]))
            model.set_tensor_datatype(acc, DataType[acc_dt])
            thresholding = helper.make_node(
                "Thresholding_bcnn", [acc, node.input[2]], [node.output[0]], domain=node.domain,
                NumChannels=mvau.get_nodeattr("MH"), PE=mvau.get_nodeattr("PE"), numSteps=int(thresholds.shape[-1]),
                inputDataType=acc_dt, weightDataType=acc_dt, outputDataType=out_dt,
                numInputVectors=list(mvau.get_nodeattr("numInputVectors")), ActVal=mvau.get_nodeattr("ActVal"),
                name=f"{node.name}_activation")
            del node.input[2]
            node.output[0] = acc
            mvau.set_nodeattr("noActivation", 1)
            mvau.set_nodeattr("outputDataType", acc_dt)
            model.graph.node.insert(index + 1, thresholding)
            return model.transform(GiveUniqueNodeNames()), True
        return model, False
