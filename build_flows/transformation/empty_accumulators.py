"""Give a zero-bit accumulator one bit.

A weight matrix that is all zeros accumulates only 0, and FINN+'s MinimizeAccumulatorWidth sizes
it from that range: UINT0. Users write such layers without meaning to: a 2-bit weight quantizer
with a constant scale of 1 (Brevitas' bnn_pynq CommonWeightQuant, bcnn's WeightQuant) rounds every
freshly initialised weight (|w| < 0.5) to 0. A layer without activation (the classifier) then
streams zero-bit outputs, which no RTL can carry (Verilator: "Size-changing cast to zero or
negative size"), and a thresholded one gets thresholds clipped to [0, 1] on a zero-bit sum. Such
an accumulator becomes BINARY (0..1: the 0 it carries, in one bit); a layer without activation
outputs it and the layers after it read it (InferDataTypes). Runs after MinimizeAccumulatorWidth
and before RoundAndClipThresholds, which then clips to the one-bit range.

Not covered: an empty unit that is the graph's output (FINN+'s byte rounding of a zero width
asserts; bcnn's graphs end in a label select), or whose raw output feeds another unit's
accumulator (sized UINT0 too, from its input's type, before this pass sees either)."""
from finn.util.fpgadataflow import is_fpgadataflow_node
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import InferDataTypes

ONE_BIT = DataType["BINARY"]


class GiveEmptyAccumulatorsOneBit(Transformation):
    def apply(self, model):
        changed = False
        for node in model.graph.node:
            inst = getCustomOp(node) if is_fpgadataflow_node(node) else None
            if inst is None or "accDataType" not in inst.get_nodeattr_types():
                continue
            if DataType[inst.get_nodeattr("accDataType")].bitwidth() > 0:
                continue
            inst.set_nodeattr("accDataType", ONE_BIT.name)
            if "noActivation" in inst.get_nodeattr_types() and inst.get_nodeattr("noActivation"):
                inst.set_nodeattr("outputDataType", ONE_BIT.name)
                model.set_tensor_datatype(node.output[0], ONE_BIT)
            changed = True
        if changed:
            model = model.transform(InferDataTypes())
        return model, False
