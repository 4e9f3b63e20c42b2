"""StreamingConcat_bcnn: FINN+'s StreamingConcat (a dense block's channel concatenation: every
pixel's channels of input 0, then of input 1, ...) implemented by hw/concat/bcnn_concat.sv.
FINN+ has it in HLS only."""
import math
from pathlib import Path

from finn.custom_op.fpgadataflow.concat import StreamingConcat
from qonnx.core.datatype import DataType

from models.errors import BcnnError

from .base import BcnnRTLOp, LogicOnly, RtlInstance, hw_source


class StreamingConcat_bcnn(LogicOnly, StreamingConcat, BcnnRTLOp):
    def input_folds(self) -> list:
        """Beats of each input per pixel."""
        simd = self.get_nodeattr("SIMD")
        return [channels // simd for channels in self.get_nodeattr("ChannelsPerStream")]

    def lut_estimation(self, fpgapart):
        """An INPUTS-to-1 multiplexer per output bit (a LUT6 selects among 4), the turn and beat
        counters; the data is a register."""
        inputs = self.get_n_inputs()
        counter_bits = (inputs - 1).bit_length() + max(self.input_folds()).bit_length()
        return self.get_outstream_width() * max(1, math.ceil((inputs - 1) / 3)) + 2 * counter_bits + 2

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        node = self.onnx_node
        types = [self.get_input_datatype(i) for i in range(self.get_n_inputs())]
        if len(set(types)) != 1:
            raise BcnnError(f"layer '{node.name}': bcnn_concat joins streams of one datatype, got "
                            f"{', '.join(t.name for t in types)}; requantize the inputs to one grid before the concatenation")
        folds = self.input_folds()
        if max(folds) >= 1 << 16:
            raise BcnnError(f"layer '{node.name}': bcnn_concat counts up to 65535 beats per input and pixel, "
                            f"got {max(folds)}; raise SIMD")
        width = self.get_instream_width(0)
        # +-1 inputs (1-bit codes) leave as FINN+'s output type of their concatenation, INT2
        bipolar = types[0] == DataType["BIPOLAR"] and self.get_output_datatype() != DataType["BIPOLAR"]
        if bipolar and self.get_output_datatype().bitwidth() != 2:
            raise BcnnError(f"layer '{node.name}': +-1 inputs concatenated to {self.get_output_datatype().name}; "
                            "bcnn_concat widens them to 2-bit values only")
        params = dict(WIDTH=width, INPUTS=len(folds), FOLDS=sum(f << (16 * i) for i, f in enumerate(folds)),
                      BIPOLAR_IN=bipolar)
        return RtlInstance("bcnn_concat", [hw_source("concat/bcnn_concat.sv")], params,
                           in_bits=width * len(folds), out_bits=self.get_outstream_width(), in_widths=[width] * len(folds))
