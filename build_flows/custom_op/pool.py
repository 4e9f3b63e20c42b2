"""Pool_bcnn: FINN+'s Pool implemented by hw/: MaxPool by hw/maxpool/bcnn_maxpool.sv, AccPool (the
sum pool an average pool becomes, transformation/pooling.py) by hw/sumpool/bcnn_sumpool.sv. Its
input comes from a depthwise sliding window, whose stream is (pixel, channel fold, kernel
position, PE lanes)."""
from math import prod
from pathlib import Path

from finn.custom_op.fpgadataflow.pool import Pool
from qonnx.core.datatype import DataType

from models.errors import BcnnError

from .base import BcnnRTLOp, RtlInstance, hw_source

FUNCTIONS = ("MaxPool", "AccPool")


class Pool_bcnn(Pool, BcnnRTLOp):
    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        function = self.get_nodeattr("Function")
        if function not in FUNCTIONS:
            raise BcnnError(f"layer '{self.onnx_node.name}': bcnn implements the pool functions "
                            f"{', '.join(FUNCTIONS)}, not {function}")
        idt, odt = self.get_input_datatype(), self.get_output_datatype()
        pe, k2 = self.get_nodeattr("PE"), prod(self.get_nodeattr("KernelSize"))
        if function == "MaxPool":
            # +-1 codes order as their values (code 1 = +1): compared unsigned, as a 1-bit signed
            # code would read code 1 as -1
            params = dict(CHANNELS=self.get_nodeattr("Channels"), PE=pe, K2=k2, BITS=idt.bitwidth(),
                          SIGNED=idt.signed() and idt != DataType["BIPOLAR"])
            return RtlInstance("bcnn_maxpool", [hw_source("window_fold/bcnn_window_fold.sv"), hw_source("maxpool/bcnn_maxpool.sv")], params,
                               in_bits=pe * idt.bitwidth(), out_bits=pe * idt.bitwidth())
        bipolar = idt == DataType["BIPOLAR"]
        if not idt.is_integer() or odt.min() > k2 * idt.min() or odt.max() < k2 * idt.max():
            raise BcnnError(f"layer '{self.onnx_node.name}': a sum pool of {k2} {idt.name} values does not fit "
                            f"its output datatype {odt.name}")
        params = dict(CHANNELS=self.get_nodeattr("Channels"), PE=pe, K2=k2, IN_BITS=idt.bitwidth(),
                      IN_SIGNED=idt.signed() and not bipolar, BIPOLAR=bipolar, OUT_BITS=odt.bitwidth())
        return RtlInstance("bcnn_sumpool", [hw_source("window_fold/bcnn_window_fold.sv"), hw_source("sumpool/bcnn_sumpool.sv")], params,
                           in_bits=pe * idt.bitwidth(), out_bits=pe * odt.bitwidth())
