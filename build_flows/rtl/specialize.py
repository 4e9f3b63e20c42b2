"""SpecializeBcnnRTL: FINN+ layers that have no RTL in FINN+ become bcnn ops implemented by hw/.

MVAU_hls -> MVAU_bcnn (binary/few-bit matrix-vector-threshold unit), Pool_hls -> Pool_bcnn (max
pool), LabelSelect_hls -> LabelSelect_bcnn. Node attributes carry over (the ops share FINN+'s abstract op), so folding,
estimates and python execution are unchanged; only the implementation differs."""
from onnx import helper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation

from build_flows.custom_op import custom_op

DOMAIN = "build_flows.custom_op"
REPLACEMENTS = {"MVAU_hls": "MVAU_bcnn", "LabelSelect_hls": "LabelSelect_bcnn", "Pool_hls": "Pool_bcnn"}


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
        return model, changed
