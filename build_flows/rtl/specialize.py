"""SpecializeBcnnRTL: FINN+ layers become bcnn ops implemented by hw/ where FINN+ has no RTL, or
none that open-source synthesis reads.

MVAU_hls/_rtl -> MVAU_bcnn (binary/few-bit matrix-vector-threshold unit), Pool_hls -> Pool_bcnn (max
pool), LabelSelect_hls -> LabelSelect_bcnn, Thresholding_rtl/_hls -> Thresholding_bcnn,
StreamingDataWidthConverter_rtl/_hls -> StreamingDataWidthConverter_bcnn, DuplicateStreams_hls ->
DuplicateStreams_bcnn (fork), ElementwiseAdd_hls/_rtl -> ElementwiseAdd_bcnn (join), StreamingConcat_hls -> StreamingConcat_bcnn
(channel concatenation). Node
attributes carry over (the ops share FINN+'s abstract op), so folding, estimates and python
execution are unchanged; only the implementation differs. Layers are then named by what they
are (MVAU_hls_3 -> MVAU_bcnn_3: the same index, since names count per op type in graph order)."""
from onnx import helper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation
from qonnx.transformation.general import GiveUniqueNodeNames

from build_flows.custom_op import custom_op
from build_flows.custom_op.base import DOMAIN

# (FINN+'s own MVAU_rtl, which it picks for wide DSP layers, needs Verilator's --timing and a
# vendor's DSP primitives: bcnn's unit replaces it too)
REPLACEMENTS = {"MVAU_hls": "MVAU_bcnn", "MVAU_rtl": "MVAU_bcnn", "LabelSelect_hls": "LabelSelect_bcnn", "Pool_hls": "Pool_bcnn",
                "Thresholding_rtl": "Thresholding_bcnn", "Thresholding_hls": "Thresholding_bcnn",
                "StreamingDataWidthConverter_rtl": "StreamingDataWidthConverter_bcnn",
                "StreamingDataWidthConverter_hls": "StreamingDataWidthConverter_bcnn",
                "DuplicateStreams_hls": "DuplicateStreams_bcnn", "ElementwiseAdd_hls": "ElementwiseAdd_bcnn",
                "ElementwiseAdd_rtl": "ElementwiseAdd_bcnn", "StreamingConcat_hls": "StreamingConcat_bcnn"}


class SpecializeBcnnRTL(Transformation):
    def apply(self, model):
        changed = False
        for index, node in enumerate(model.graph.node):
            target = REPLACEMENTS.get(node.op_type)
            if target is None:
                continue
            old = getCustomOp(node)
            known = custom_op[target](node).get_nodeattr_types()
            attrs = {a.name: old.get_nodeattr(a.name) for a in node.attribute if a.name in known}
            new = helper.make_node(target, list(node.input), list(node.output), name=node.name, domain=DOMAIN, **attrs)
            model.graph.node.remove(node)
            model.graph.node.insert(index, new)
            changed = True
        if changed:
            model = model.transform(GiveUniqueNodeNames())
        return model, changed
