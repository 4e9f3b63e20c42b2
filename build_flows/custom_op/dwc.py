"""StreamingDataWidthConverter_bcnn: FINN+'s width converter implemented by hw/dwc/bcnn_dwc.sv.

Replaces FINN+'s StreamingDataWidthConverter_rtl in the RTL backend: open-source synthesis cannot
read finn-rtllib's dwc/vpc.sv (a `default_nettype directive inside the module body, which slang
rejects). Estimates are FINN+'s (its abstract op's model)."""
from pathlib import Path

from finn.custom_op.fpgadataflow.streamingdatawidthconverter import StreamingDataWidthConverter

from .base import BcnnRTLOp, RtlInstance, hw_source


class StreamingDataWidthConverter_bcnn(StreamingDataWidthConverter, BcnnRTLOp):
    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        bits = self.get_input_datatype().bitwidth()
        in_bits, out_bits = self.get_nodeattr("inWidth"), self.get_nodeattr("outWidth")
        params = dict(BITS=bits, IN_ELEMS=in_bits // bits, OUT_ELEMS=out_bits // bits)
        return RtlInstance("bcnn_dwc", [hw_source("dwc/bcnn_dwc.sv")], params, in_bits=in_bits, out_bits=out_bits)
