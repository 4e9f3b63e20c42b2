"""GlobalSum_bcnn: FINN+'s GlobalAccPool (per-channel sum over a frame's pixels: DGRL's squeeze)
implemented by hw/global_sum/bcnn_global_sum.sv. Its output is the (N, C) vector the SI's fully
connected stage reads (FINN+'s keeps (N, 1, 1, C)); the stream is the same."""
import math
from pathlib import Path

from finn.custom_op.fpgadataflow.globalaccpool import GlobalAccPool
from qonnx.core.datatype import DataType

from models.errors import BcnnError

from .base import BcnnRTLOp, LogicOnly, RtlInstance, hw_source
from .datatypes import sum_datatype


class GlobalSum_bcnn(LogicOnly, GlobalAccPool, BcnnRTLOp):
    def _pixels(self) -> int:
        return math.prod(self.get_nodeattr("numInputVectors")[1:])

    def _folds(self) -> int:
        return self.get_nodeattr("NumChannels") // self.get_nodeattr("PE")

    def get_normal_output_shape(self, ind=0):
        return (self.get_nodeattr("numInputVectors")[0], self.get_nodeattr("NumChannels"))

    def get_folded_output_shape(self, ind=0):
        return (self.get_nodeattr("numInputVectors")[0], self._folds(), self.get_nodeattr("PE"))

    def get_output_datatype(self, ind=0):
        """A type holding both extreme sums: FINN+'s GlobalAccPool sizes a signed input's sum by its
        minimum alone, one bit short for BIPOLAR (N pixels of +1 sum to N)."""
        return sum_datatype(DataType[self.get_nodeattr("inputDataType")], self._pixels())

    def get_number_output_values(self):
        return self._folds()

    def get_exp_cycles(self):
        """One cycle per input beat: the last pixel's sums leave as its beats arrive."""
        return self._pixels() * self._folds()

    def lut_estimation(self, fpgapart):
        """An adder per output bit of every lane and the partial sums in LUT RAM (64 bits per LUT)."""
        bits = self.get_outstream_width()
        return bits + bits * math.ceil(self._folds() / 64) + 2 * (self._pixels().bit_length() + self._folds().bit_length())

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        idt, odt = self.get_input_datatype(), self.get_output_datatype()
        if not idt.is_integer() or odt.bitwidth() > 64:
            raise BcnnError(f"layer '{self.onnx_node.name}': bcnn_global_sum sums integers into at most 64 bits, "
                            f"got {idt.name} -> {odt.name}")
        pe = self.get_nodeattr("PE")
        # +-1 lanes add their values 2c - 1 (IN_BIPOLAR)
        params = dict(PE=pe, IN_BITS=idt.bitwidth(), OUT_BITS=odt.bitwidth(), IN_BIPOLAR=idt == DataType["BIPOLAR"],
                      IN_SIGNED=idt.signed() and idt != DataType["BIPOLAR"],
                      FOLDS=self._folds(), PIXELS=self._pixels())
        return RtlInstance("bcnn_global_sum", [hw_source("global_sum/bcnn_global_sum.sv")], params,
                           in_bits=pe * idt.bitwidth(), out_bits=pe * odt.bitwidth())
