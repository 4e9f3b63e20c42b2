"""LabelSelect_bcnn: FINN+'s LabelSelect implemented by hw/label_select/bcnn_label_select.sv.

With `classOffsets` (transformation/classifier_offsets.py) it ranks (input << offsetShift) +
classOffsets[label] instead of its input: a classifier's per-class bias, kept exact."""
from pathlib import Path

import numpy as np
from finn.custom_op.fpgadataflow.labelselect import LabelSelect
from qonnx.core.datatype import DataType

from hw import PackedBits

from .base import BcnnRTLOp, RtlInstance, hw_source


class LabelSelect_bcnn(LabelSelect, BcnnRTLOp):
    def get_nodeattr_types(self):
        attrs = super().get_nodeattr_types()
        attrs.update({"classOffsets": ("ints", False, []), "offsetShift": ("i", False, 0)})
        return attrs

    def execute_node(self, context, graph):
        offsets = self.get_nodeattr("classOffsets")
        if not offsets:
            return super().execute_node(context, graph)
        node = self.onnx_node
        scores = np.asarray(context[node.input[0]], dtype=np.float64)
        ranked = scores * (1 << self.get_nodeattr("offsetShift")) + np.asarray(offsets, dtype=np.float64)
        top = np.argsort(-ranked, axis=-1, kind="stable")[..., : self.get_nodeattr("K")]  # ONNX TopK's tie rule
        context[node.output[0]] = top.reshape(context[node.output[0]].shape).astype(np.float32)

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        idt, odt = DataType[self.get_nodeattr("inputDataType")], DataType[self.get_nodeattr("outputDataType")]
        pe, labels = self.get_nodeattr("PE"), self.get_nodeattr("Labels")
        params = dict(LABELS=labels, PE=pe, K=self.get_nodeattr("K"), BITS=idt.bitwidth(),
                      SIGNED=idt.signed(), IDX_BITS=odt.bitwidth())
        offsets = self.get_nodeattr("classOffsets")
        if offsets:
            bits = max(int(o).bit_length() for o in offsets) + 1  # signed fields
            packed = sum((int(o) & ((1 << bits) - 1)) << (i * bits) for i, o in enumerate(offsets))
            params.update(OFFSET_BITS=bits, OFFSET_SHIFT=self.get_nodeattr("offsetShift"),
                          OFFSETS=PackedBits(packed, labels * bits))
        return RtlInstance("bcnn_label_select", [hw_source("label_select/bcnn_label_select.sv")], params,
                           in_bits=pe * idt.bitwidth(), out_bits=odt.bitwidth())
