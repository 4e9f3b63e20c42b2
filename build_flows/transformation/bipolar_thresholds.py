"""InferBipolarThresholding: a +-1 activation that no XNOR layer reads becomes a thresholding layer.

FINN+ makes a binary activation's MultiThreshold emit +-1 as out_scale 2, out_bias -1; where an
XNOR matrix multiplication reads it, that one switches it to 0/1 codes, but an activation read by
anything else (a shortcut's quantizer, a pool, a few-bit layer) keeps them, and FINN+'s
InferThresholdingLayer refuses out_scale 2. Its Thresholding layer streams BIPOLAR as codes and
executes them as 2 * code - 1: the same function with out_scale 1, out_bias 0. So each such
MultiThreshold is given those and converted by FINN+'s own pass in the same step; one that pass
leaves alone gets its +-1 attributes back (the graph never changes its function)."""
from finn.transformation.fpgadataflow.convert_to_hw.thresholding import InferThresholdingLayer
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation


class InferBipolarThresholding(Transformation):
    def apply(self, model):
        bipolar = []
        for node in model.get_nodes_by_op_type("MultiThreshold"):
            inst = getCustomOp(node)
            if (model.get_tensor_datatype(node.output[0]) == DataType["BIPOLAR"]
                    and inst.get_nodeattr("out_scale") == 2 and inst.get_nodeattr("out_bias") == -1):
                inst.set_nodeattr("out_scale", 1.0)
                inst.set_nodeattr("out_bias", 0.0)
                bipolar.append(node.name)
        if not bipolar:
            return model, False
        model = model.transform(InferThresholdingLayer())
        for node in model.get_nodes_by_op_type("MultiThreshold"):
            if node.name in bipolar:  # not converted: +-1 again
                inst = getCustomOp(node)
                inst.set_nodeattr("out_scale", 2.0)
                inst.set_nodeattr("out_bias", -1.0)
        return model, False
