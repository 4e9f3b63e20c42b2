"""DuplicateStreams_bcnn: FINN+'s DuplicateStreams (a stream fork: a residual's shortcut and long
branch) implemented by hw/fork/bcnn_fork.sv. FINN+ has it in HLS only."""
from pathlib import Path

from finn.custom_op.fpgadataflow.duplicatestreams import DuplicateStreams

from .base import BcnnRTLOp, LogicOnly, RtlInstance, hw_source


class DuplicateStreams_bcnn(LogicOnly, DuplicateStreams, BcnnRTLOp):
    def lut_estimation(self, fpgapart):
        """One LUT per output's valid register and the ready reduction; the data is a register."""
        return 2 * self.get_num_output_streams() + 1

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        width, outputs = self.get_instream_width(), self.get_num_output_streams()
        return RtlInstance("bcnn_fork", [hw_source("fork/bcnn_fork.sv")], dict(WIDTH=width, OUTPUTS=outputs),
                           in_bits=width, out_bits=width * outputs, out_widths=[width] * outputs)
