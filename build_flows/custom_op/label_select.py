"""LabelSelect_bcnn: FINN+'s LabelSelect implemented by hw/label_select/bcnn_label_select.sv."""
from pathlib import Path

from finn.custom_op.fpgadataflow.labelselect import LabelSelect
from qonnx.core.datatype import DataType

from .base import BcnnRTLOp, RtlInstance, hw_source


class LabelSelect_bcnn(LabelSelect, BcnnRTLOp):
    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        idt, odt = DataType[self.get_nodeattr("inputDataType")], DataType[self.get_nodeattr("outputDataType")]
        pe = self.get_nodeattr("PE")
        params = dict(LABELS=self.get_nodeattr("Labels"), PE=pe, K=self.get_nodeattr("K"), BITS=idt.bitwidth(),
                      SIGNED=idt.signed(), IDX_BITS=odt.bitwidth())
        return RtlInstance("bcnn_label_select", [hw_source("label_select/bcnn_label_select.sv")], params,
                           in_bits=pe * idt.bitwidth(), out_bits=odt.bitwidth())
