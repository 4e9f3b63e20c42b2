"""Pool_bcnn: FINN+'s Pool (max) implemented by hw/maxpool/bcnn_maxpool.sv. Its input comes from a
depthwise sliding window, whose stream is (pixel, channel fold, kernel position, PE lanes)."""
from math import prod
from pathlib import Path

from finn.custom_op.fpgadataflow.pool import Pool
from qonnx.core.datatype import DataType

from models.errors import BcnnError

from .base import BcnnRTLOp, RtlInstance, hw_source


class Pool_bcnn(Pool, BcnnRTLOp):
    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        if self.get_nodeattr("Function") != "MaxPool":
            raise BcnnError(f"layer '{self.onnx_node.name}': bcnn_maxpool implements MaxPool only, "
                            f"not {self.get_nodeattr('Function')}")
        dt = DataType[self.get_nodeattr("InputDataType")]
        pe = self.get_nodeattr("PE")
        params = dict(CHANNELS=self.get_nodeattr("Channels"), PE=pe, K2=prod(self.get_nodeattr("KernelSize")),
                      BITS=dt.bitwidth(), SIGNED=dt.signed())
        return RtlInstance("bcnn_maxpool", [hw_source("maxpool/bcnn_maxpool.sv")], params,
                           in_bits=pe * dt.bitwidth(), out_bits=pe * dt.bitwidth())
