"""MVAU_bcnn: FINN+'s MVAU implemented by hw/mvau/bcnn_mvau.sv."""
from pathlib import Path

import numpy as np
from finn.custom_op.fpgadataflow.hls.matrixvectoractivation_hls import MVAU_hls
from finn.custom_op.fpgadataflow.matrixvectoractivation import MVAU
from qonnx.core.datatype import DataType

from hw.memfiles import write_thresholds, write_weights
from models.errors import BcnnError

from .base import BcnnRTLOp, RtlInstance, finn_estimates, hw_source

SOURCES = ("memory/bcnn_rom.sv", "mvau/bcnn_activate.sv", "mvau/bcnn_mvau.sv")


def write_activation(op, model, directory: Path, acc_bits: int, files: list) -> tuple:
    """A unit's thresholds as its memory file (appended to `files`) -> (thresholds per channel,
    ActVal); (0, 0) for raw accumulators (noActivation)."""
    if op.get_nodeattr("noActivation"):
        return 0, 0
    node = op.onnx_node
    thresholds = np.asarray(model.get_initializer(node.input[2]))
    thresholds = np.broadcast_to(thresholds, (op.get_nodeattr("MH"), thresholds.shape[-1])).astype(np.int64)
    files.append(write_thresholds(Path(directory) / f"{node.name}_thresholds.hex", thresholds, op.get_nodeattr("PE"),
                                  acc_bits))
    return thresholds.shape[1], op.get_nodeattr("ActVal")


def unsupported_reason(inst) -> str | None:
    """Why bcnn_mvau cannot implement this MVAU (None: it can)."""
    idt, wdt = DataType[inst.get_nodeattr("inputDataType")], DataType[inst.get_nodeattr("weightDataType")]
    odt = DataType[inst.get_nodeattr("outputDataType")]
    if inst.get_nodeattr("binaryXnorMode"):
        return None
    if idt == DataType["BIPOLAR"] or odt == DataType["BIPOLAR"]:
        return f"bipolar {'input' if idt == DataType['BIPOLAR'] else 'output'} outside XNOR mode"
    if not (idt.is_integer() and wdt.is_integer()):
        return f"non-integer datatypes ({idt.name} x {wdt.name})"
    return None


def weight_style(op, fpgapart: str) -> str:
    """A matrix-vector unit's weight memory: FINN+'s ram_style; for "auto", block RAM exactly
    where FINN+'s estimate counts block RAM, else LUT RAM, so the design is what the estimate says."""
    style = op.get_nodeattr("ram_style")
    if style == "ultra":
        raise BcnnError(f"layer '{op.onnx_node.name}': ram_style ultra needs runtime-writable weights "
                        "(UltraRAM starts empty); use auto, block or distributed")
    if style != "auto":
        return style
    return "block" if op.bram_estimation(fpgapart) > 0 else "distributed"


class MVAU_bcnn(MVAU, BcnnRTLOp):
    def lut_estimation(self, fpgapart):
        # FINN+'s LUT model of its HLS MVAU: the same datapath (PE x SIMD products, adder tree,
        # threshold comparators), so the same order of magnitude.
        return finn_estimates(self, MVAU_hls).lut_estimation(fpgapart)

    def dsp_estimation(self, fpgapart):
        return finn_estimates(self, MVAU_hls).dsp_estimation(fpgapart)

    def weight_style(self, fpgapart: str) -> str:
        return weight_style(self, fpgapart)

    def threshold_style(self) -> str:
        """FINN+'s ram_style_thresholds; "auto" is LUT RAM (FINN+ estimates no block RAM for them)."""
        style = self.get_nodeattr("ram_style_thresholds")
        return "distributed" if style == "auto" else style

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        reason = unsupported_reason(self)
        if reason:
            raise BcnnError(f"layer '{self.onnx_node.name}': bcnn_mvau does not support {reason}")
        node = self.onnx_node
        idt, wdt = DataType[self.get_nodeattr("inputDataType")], DataType[self.get_nodeattr("weightDataType")]
        mw, mh, pe, simd = (self.get_nodeattr(a) for a in ("MW", "MH", "PE", "SIMD"))
        xnor = bool(self.get_nodeattr("binaryXnorMode"))
        bipolar = wdt == DataType["BIPOLAR"]
        w_bits = 1 if (xnor or bipolar) else wdt.bitwidth() + (0 if wdt.signed() else 1)
        acc_bits = DataType[self.get_nodeattr("accDataType")].bitwidth() + 1  # +1: room for any sign
        weights = np.asarray(model.get_initializer(node.input[1])).T  # (MW, MH) -> (MH, MW)
        prefix = node.name
        files = [write_weights(Path(directory) / f"{prefix}_weights.hex", weights, pe, simd, w_bits, bipolar or xnor)]
        out_bits = DataType[self.get_nodeattr("outputDataType")].bitwidth()
        n_thres, act_val = write_activation(self, model, directory, acc_bits, files)
        if not n_thres:
            acc_bits = out_bits  # raw accumulators leave at the width FINN+ declared
        params = dict(MW=mw, MH=mh, PE=pe, SIMD=simd, IN_BITS=idt.bitwidth(), IN_SIGNED=idt.signed(),
                      W_BITS=w_bits, W_BIPOLAR=bipolar or xnor, XNOR=xnor, ACC_BITS=acc_bits, N_THRES=n_thres,
                      OUT_BITS=out_bits, ACT_VAL=act_val, WEIGHT_FILE=f"{prefix}_weights.hex",
                      THRESH_FILE=f"{prefix}_thresholds.hex", WEIGHT_STYLE=self.weight_style(fpgapart),
                      THRESH_STYLE=self.threshold_style(), MUL_DSP=self.get_nodeattr("resType") == "dsp")
        return RtlInstance("bcnn_mvau", [hw_source(s) for s in SOURCES], params,
                           in_bits=simd * idt.bitwidth(), out_bits=pe * (out_bits if n_thres else acc_bits),
                           memory_files=files)
