"""Give XNOR-popcount accumulators the width their values need.

FINN+ sizes a binaryXnorMode MVAU's accumulator from the bipolar dot product (range about
[-MW/2, MW/2]), but the unit accumulates the popcount, 0..MW. For MW = 64 it declares INT7
(max 63), so a frame whose 64 bits all match wraps to -64 in hardware while python execution
does not: a trained TFC-w1a1 hit this on 2 of 20 MNIST test images in its classifier. Thresholds
are clipped to the accumulator range afterwards, so this must run before RoundAndClipThresholds.
"""
import math

from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation


class WidenXnorAccumulators(Transformation):
    def apply(self, model):
        changed = False
        for node in model.graph.node:
            if not node.op_type.startswith("MVAU"):
                continue
            inst = getCustomOp(node)
            if not inst.get_nodeattr("binaryXnorMode"):
                continue
            if node.op_type == "MVAU_bcnn" and inst.border() is not None:
                continue  # a zero-padded window's unit accumulates the dot product (zero_padding.py)
            mw = inst.get_nodeattr("MW")
            adt = DataType[inst.get_nodeattr("accDataType")]
            if adt.min() <= 0 and adt.max() >= mw:
                continue
            bits = math.ceil(math.log2(mw + 1)) + 1  # signed, like the type it replaces
            if inst.get_nodeattr("noActivation") and model.find_direct_successors(node) is None:
                bits = -(-bits // 8) * 8  # a graph output stays byte-aligned, as FINN+ makes it
            wider = DataType[f"INT{bits}"]
            inst.set_nodeattr("accDataType", wider.name)
            if inst.get_nodeattr("noActivation"):
                inst.set_nodeattr("outputDataType", wider.name)
                model.set_tensor_datatype(node.output[0], wider)
                for succ in model.find_direct_successors(node) or []:
                    succ_inst = getCustomOp(succ)
                    if "inputDataType" in succ_inst.get_nodeattr_types():
                        succ_inst.set_nodeattr("inputDataType", wider.name)
            changed = True
        return model, changed
