"""Thresholding_bcnn: FINN+'s Thresholding layer implemented by hw/thresholding/bcnn_thresholding.sv.

Replaces FINN+'s Thresholding_rtl in the RTL backend: open-source synthesis (Yosys' SystemVerilog
frontend) cannot read finn-rtllib's thresholding.sv (a reversed part-select in a branch that is
never taken, thresholding.sv:281, makes the whole always_ff invalid for it). The architecture is
the same (a binary search with one threshold memory per PE lane and output bit), so estimates are
FINN+'s RTL thresholding's, and so is the choice of memory: block RAM where they count block RAM."""
import copy
from pathlib import Path

import numpy as np
from finn.custom_op.fpgadataflow.rtl.thresholding_rtl import Thresholding_rtl
from finn.custom_op.fpgadataflow.thresholding import Thresholding
from qonnx.core.datatype import DataType

from hw.memfiles import search_stages, write_search_thresholds
from models.errors import BcnnError

from .base import BcnnRTLOp, RtlInstance, finn_estimates, hw_source


BLOCK_DEPTH = 1024  # a search stage memory this deep fills a BRAM18 (1024 x 18) to its depth
NO_URAM = 1 << 30


class Thresholding_bcnn(Thresholding, BcnnRTLOp):
    def get_nodeattr_types(self):
        attrs = super().get_nodeattr_types()
        # FINN+'s RTL thresholding puts a search stage's memory in block RAM from depth_trigger_bram
        # entries on (up to depth_trigger_uram); its default (0, 0) lets the tool pick, which keeps
        # every stage in LUTs, and a layer of 255 thresholds over 64 channels then takes ~2,600
        # LUTs (ResNet-20). bcnn's default: block RAM from BLOCK_DEPTH entries, no UltraRAM.
        attrs.update({"depth_trigger_uram": ("i", False, NO_URAM), "depth_trigger_bram": ("i", False, BLOCK_DEPTH),
                      "uniform_thres": ("i", False, 0, {0, 1}),
                      # every channel compares with the same thresholds (rtl/shared_thresholds.py):
                      # the memories hold them once per lane, not once per channel fold
                      "sharedThresholds": ("i", False, 0, {0, 1})})
        return attrs

    # FINN+'s RTL thresholding's memory model (the same memories, one per lane and search stage),
    # with bcnn's defaults of its memory triggers; shared thresholds as a layer of PE channels
    def _finn(self):
        if self.get_nodeattr("sharedThresholds"):
            finn = Thresholding_rtl(copy.deepcopy(self.onnx_node))
            finn.set_nodeattr("NumChannels", self.get_nodeattr("PE"))
        else:
            finn = finn_estimates(self, Thresholding_rtl)
        for attr in ("depth_trigger_bram", "depth_trigger_uram"):
            finn.set_nodeattr(attr, self.get_nodeattr(attr))
        return finn

    def get_memory_estimate(self):
        return self._finn().get_memory_estimate()

    def lut_estimation(self, fpgapart):
        return self._finn().lut_estimation(fpgapart)

    def bram_estimation(self, fpgapart):
        return self._finn().bram_estimation(fpgapart)

    def uram_estimation(self, fpgapart):
        return self._finn().uram_estimation(fpgapart)

    def stage_depths(self) -> list:
        """Entries of each search stage's memory per lane, as FINN+'s model counts them."""
        return [depth for _, depth in self._finn().get_pe_mem_geometries()]

    def block_from_stage(self) -> int:
        """The first search stage whose memory FINN+'s model puts in block RAM or UltraRAM (which
        cannot start with contents: block RAM here), as its triggers say: from min(bram, uram)
        entries on when either is set. Stage s holds 2^s thresholds per channel fold."""
        bram, uram = self.get_nodeattr("depth_trigger_bram"), self.get_nodeattr("depth_trigger_uram")
        depths = self.stage_depths()
        if not (bram or uram):
            return len(depths)
        return next((s for s, depth in enumerate(depths) if depth >= min(bram, uram)), len(depths))

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
        shared = self.get_nodeattr("sharedThresholds")
        if shared and np.any(thresholds != thresholds[:1]):
            raise BcnnError(f"layer '{node.name}': sharedThresholds is set but its channels' thresholds differ")
        prefix = f"{node.name}_thr_"
        try:
            files = write_search_thresholds(str(Path(directory) / prefix), thresholds[:pe] if shared else thresholds,
                                            pe, idt.bitwidth(), signed)
        except ValueError as exc:
            raise BcnnError(f"layer '{node.name}': {exc} (bcnn_thresholding searches them)") from exc
        params = dict(CHANNELS=channels, PE=pe, IN_BITS=idt.bitwidth(), IN_SIGNED=signed,
                      STAGES=search_stages(thresholds.shape[-1]), OUT_BITS=odt.bitwidth(),
                      ACT_VAL=self.get_nodeattr("ActVal"), THRESH_PREFIX=prefix,
                      THRESH_STYLE="distributed", BLOCK_FROM=self.block_from_stage(),
                      MEM_FOLDS=1 if shared else channels // pe)
        return RtlInstance("bcnn_thresholding", [hw_source("memory/bcnn_rom.sv"),
                                                 hw_source("thresholding/bcnn_thresholding.sv")],
                           params, in_bits=pe * idt.bitwidth(), out_bits=pe * odt.bitwidth(), memory_files=files)
