"""Thresholding_bcnn: FINN+'s Thresholding layer implemented by hw/thresholding/bcnn_thresholding.sv.

Replaces FINN+'s Thresholding_rtl in the RTL backend: open-source synthesis (Yosys' SystemVerilog
frontend) cannot read finn-rtllib's thresholding.sv (a reversed part-select in a branch that is
never taken, thresholding.sv:281, makes the whole always_ff invalid for it). The architecture is
the same (a binary search with one threshold memory per PE lane and output bit), so estimates are
FINN+'s RTL thresholding's, and so is the choice of memory: block RAM where they count block RAM."""
from pathlib import Path

import numpy as np
from finn.custom_op.fpgadataflow.rtl.thresholding_rtl import Thresholding_rtl
from finn.custom_op.fpgadataflow.thresholding import Thresholding
from qonnx.core.datatype import DataType

from hw.memfiles import search_stages, write_search_thresholds
from models.errors import BcnnError

from .base import BcnnRTLOp, RtlInstance, finn_estimates, hw_source


class Thresholding_bcnn(Thresholding, BcnnRTLOp):
    def get_nodeattr_types(self):
        attrs = super().get_nodeattr_types()
        # what FINN+'s RTL thresholding's memory estimate reads (its defaults: the tool picks)
        attrs.update({"depth_trigger_uram": ("i", False, 0), "depth_trigger_bram": ("i", False, 0),
                      "uniform_thres": ("i", False, 0, {0, 1})})
        return attrs

    # FINN+'s RTL thresholding's memory model (the same memories, one per lane and search stage)
    def get_memory_estimate(self):
        return finn_estimates(self, Thresholding_rtl).get_memory_estimate()

    def lut_estimation(self, fpgapart):
        return finn_estimates(self, Thresholding_rtl).lut_estimation(fpgapart)

    def bram_estimation(self, fpgapart):
        return finn_estimates(self, Thresholding_rtl).bram_estimation(fpgapart)

    def uram_estimation(self, fpgapart):
        return finn_estimates(self, Thresholding_rtl).uram_estimation(fpgapart)

    def threshold_style(self, fpgapart: str) -> str:
        """Block RAM where FINN+'s estimate counts block RAM (or UltraRAM, which cannot start with
        contents), LUTs otherwise."""
        return "block" if self.bram_estimation(fpgapart) + self.uram_estimation(fpgapart) > 0 else "distributed"

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        node = self.onnx_node
        idt, odt = DataType[self.get_nodeattr("inputDataType")], DataType[self.get_nodeattr("outputDataType")]
        if not idt.is_integer():
            raise BcnnError(f"layer '{node.name}': bcnn_thresholding needs integer inputs, not {idt.name}")
        channels, pe = self.get_nodeattr("NumChannels"), self.get_nodeattr("PE")
        thresholds = np.asarray(model.get_initializer(node.input[1]))
        if np.any(thresholds != np.round(thresholds)):
            raise BcnnError(f"layer '{node.name}': thresholds are not integers (run RoundAndClipThresholds first)")
        thresholds = np.broadcast_to(thresholds, (channels, thresholds.shape[-1]))
        signed = idt.signed()
        if idt == DataType["BIPOLAR"]:  # the stream carries codes c, the values 2c - 1 >= T when c >= (T + 1) / 2
            thresholds, signed = np.ceil((thresholds + 1) / 2), False
        prefix = f"{node.name}_thr_"
        try:
            files = write_search_thresholds(str(Path(directory) / prefix), thresholds, pe, idt.bitwidth(), signed)
        except ValueError as exc:
            raise BcnnError(f"layer '{node.name}': {exc} (bcnn_thresholding searches them)") from exc
        params = dict(CHANNELS=channels, PE=pe, IN_BITS=idt.bitwidth(), IN_SIGNED=signed,
                      STAGES=search_stages(thresholds.shape[-1]), OUT_BITS=odt.bitwidth(),
                      ACT_VAL=self.get_nodeattr("ActVal"), THRESH_PREFIX=prefix,
                      THRESH_STYLE=self.threshold_style(fpgapart))
        return RtlInstance("bcnn_thresholding", [hw_source("memory/bcnn_rom.sv"),
                                                 hw_source("thresholding/bcnn_thresholding.sv")],
                           params, in_bits=pe * idt.bitwidth(), out_bits=pe * odt.bitwidth(), memory_files=files)
