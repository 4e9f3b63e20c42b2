"""FracMVAU_bcnn: FracBNN's fractional-activation unit, implemented by hw/frac_mvau/bcnn_frac_mvau.sv.

Binary weights, 2-bit input codes v = 2 * msb + lsb (msb, lsb the bits of the activations
msb + lsb / 2, bit 1 meaning +1). Per output channel the unit runs a binary MSB pass, popcount
pa = #{i : w_i == msb_i}; the gate g = lo <= pa <= hi (the channel's gate interval, from the
trained |BN(W.msb)| < delta); an LSB pass gives pb = #{i : w_i == lsb_i}. The accumulator is

    acc = 4 * pa + g * (2 * pb - MW)  (= 2 * (W.msb + g * W.lsb / 2) + 2 * MW),

thresholded like an MVAU's (or emitted raw).

A unit that skips LSB passes (attribute lsbSkip) runs a neuron fold's LSB pass only where one of
its outputs is gated, decided GATE_WAIT cycles after the MSB pass: NF * (SF + GATE_WAIT) cycles per
vector plus SF per fold with an LSB pass, data-dependent, so the analytic estimate
(get_exp_cycles) is the worst case, every fold gated, and `frame_cycles` gives the exact number for
a known gate pattern. A unit that does not skip runs both passes back to back, 2 * NF * SF. Where
the wait is not small against SF (lsbSkip -1, the default: SF <= 2 * GATE_WAIT) skipping costs more
than it saves (at half the folds gated, SF + GATE_WAIT + SF / 2 > 2 * SF), so those units run
both passes."""
from pathlib import Path

import numpy as np
from finn.custom_op.fpgadataflow.hls.matrixvectoractivation_hls import MVAU_hls
from finn.custom_op.fpgadataflow.matrixvectoractivation import MVAU
from qonnx.core.datatype import DataType

from hw.memfiles import write_gates, write_weights

from .base import BcnnRTLOp, RtlInstance, finn_estimates, hw_source
from .mvau import weight_style, write_activation

SOURCES = ("memory/bcnn_rom.sv", "mvau/bcnn_activate.sv", "mvau/bcnn_sum_tree.sv", "mvau/bcnn_xnor_popcount.sv", "frac_mvau/bcnn_frac_mvau.sv")
GATE_WAIT = 3  # cycles per neuron fold between the last MSB beat and the gate decision


def accumulator_range(mw: int) -> tuple:
    return -mw, 5 * mw


def frac_accumulate(codes: np.ndarray, weights: np.ndarray, gate_lo, gate_hi):
    """codes (N, MW) in 0..3, weights (MW, MH) in {-1, +1} -> (acc (N, MH), gates (N, MH) bool)."""
    mw = weights.shape[0]
    msb = 2.0 * (codes >= 2) - 1.0
    lsb = 2.0 * (codes % 2) - 1.0
    pa = (msb @ weights + mw) / 2
    pb = (lsb @ weights + mw) / 2
    gates = (pa >= np.asarray(gate_lo)) & (pa <= np.asarray(gate_hi))
    return 4 * pa + gates * (2 * pb - mw), gates


class FracMVAU_bcnn(MVAU, BcnnRTLOp):
    def get_nodeattr_types(self):
        attrs = super().get_nodeattr_types()
        # lsbSkip: 1 skips the LSB passes no gate needs, 0 runs both passes, -1 skips where SF > 2 * GATE_WAIT
        attrs.update({"gateLow": ("ints", True, []), "gateHigh": ("ints", True, []),
                      "lsbSkip": ("i", False, -1, {-1, 0, 1})})
        return attrs

    def _folds(self) -> tuple:
        mw, mh, pe, simd = (self.get_nodeattr(a) for a in ("MW", "MH", "PE", "SIMD"))
        return mh // pe, mw // simd, int(np.prod(self.get_nodeattr("numInputVectors")))

    def skips_lsb(self) -> bool:
        mode = self.get_nodeattr("lsbSkip")
        return mode == 1 or (mode == -1 and self._folds()[1] > 2 * GATE_WAIT)

    def execute_node(self, context, graph):
        node = self.onnx_node
        x = np.asarray(context[node.input[0]])
        weights = np.asarray(context[node.input[1]], dtype=np.float64)
        acc, _ = frac_accumulate(x.reshape(-1, weights.shape[0]), weights, self.get_nodeattr("gateLow"),
                                 self.get_nodeattr("gateHigh"))
        if not self.get_nodeattr("noActivation"):
            thresholds = np.asarray(context[node.input[2]])
            thresholds = np.broadcast_to(thresholds, (acc.shape[1], thresholds.shape[-1]))
            acc = self.get_nodeattr("ActVal") + (acc[:, :, None] >= thresholds[None]).sum(axis=2)
        context[node.output[0]] = acc.reshape(*x.shape[:-1], acc.shape[-1]).astype(np.float32)

    def gate_pattern(self, model, codes: np.ndarray) -> np.ndarray:
        """(frames, vectors, MH) bool: which outputs get the LSB pass, for input codes (frames, ...)."""
        weights = np.asarray(model.get_initializer(self.onnx_node.input[1]), dtype=np.float64)
        _, gates = frac_accumulate(codes.reshape(-1, weights.shape[0]), weights, self.get_nodeattr("gateLow"),
                                   self.get_nodeattr("gateHigh"))
        return gates.reshape(len(codes), -1, weights.shape[1])

    def frame_cycles(self, gates: np.ndarray) -> np.ndarray:
        """Cycles per frame for a gate pattern (frames, vectors, MH): the MSB passes, the gate
        decisions, and one LSB pass per neuron fold with any output gated (both passes for every
        fold in a unit that does not skip)."""
        nf, sf, vectors = self._folds()
        if not self.skips_lsb():
            return np.full(len(gates), self.plain_cycles())
        pe = self.get_nodeattr("PE")
        lsb_folds = gates.reshape(len(gates), -1, nf, pe).any(axis=3).sum(axis=(1, 2))
        return vectors * nf * (sf + GATE_WAIT) + lsb_folds * sf

    def plain_cycles(self) -> int:
        """A plain 2-bit unit on the same binary lanes: both passes for every fold."""
        nf, sf, vectors = self._folds()
        return vectors * nf * 2 * sf

    def get_exp_cycles(self):
        nf, sf, vectors = self._folds()
        return vectors * nf * (2 * sf + GATE_WAIT) if self.skips_lsb() else self.plain_cycles()

    def minimize_accumulator_width(self, model, datatype_only=False):
        low, high = accumulator_range(self.get_nodeattr("MW"))
        acc = DataType.get_smallest_possible(low) if abs(low) > high else DataType.get_smallest_possible(-high - 1)
        self.set_nodeattr("accDataType", acc.name)
        if self.get_nodeattr("noActivation"):
            self.set_nodeattr("outputDataType", acc.name)
            model.set_tensor_datatype(self.onnx_node.output[0], acc)
        return acc

    def minimize_weight_bit_width(self, model, datatype_only=False):
        return DataType[self.get_nodeattr("weightDataType")]

    def lut_estimation(self, fpgapart):
        # the XNOR datapath of a binary MVAU (one pass at a time on 1-bit lanes), plus the gate's
        # two comparators and the wider accumulator per PE
        binary = finn_estimates(self, MVAU_hls).lut_estimation(fpgapart)
        acc_bits = DataType[self.get_nodeattr("accDataType")].bitwidth() + 1  # +1: a threshold one past the range
        return binary + self.get_nodeattr("PE") * 3 * acc_bits

    def dsp_estimation(self, fpgapart):
        return 0

    def weight_style(self, fpgapart: str) -> str:
        return weight_style(self, fpgapart)  # the same ram_style rule as the binary MVAU

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        node = self.onnx_node
        mw, mh, pe, simd = (self.get_nodeattr(a) for a in ("MW", "MH", "PE", "SIMD"))
        acc_bits = DataType[self.get_nodeattr("accDataType")].bitwidth()
        weights = np.asarray(model.get_initializer(node.input[1])).T  # (MW, MH) -> (MH, MW)
        prefix = node.name
        files = [write_weights(Path(directory) / f"{prefix}_weights.hex", weights, pe, simd, 1, True),
                 write_gates(Path(directory) / f"{prefix}_gates.hex", self.get_nodeattr("gateLow"),
                             self.get_nodeattr("gateHigh"), pe, (mw + 1).bit_length() + 1)]
        out_bits = DataType[self.get_nodeattr("outputDataType")].bitwidth()
        n_thres, act_val = write_activation(self, model, directory, acc_bits, files)
        if not n_thres:
            acc_bits = out_bits  # raw accumulators leave at the width FINN+ declared
        params = dict(MW=mw, MH=mh, PE=pe, SIMD=simd, ACC_BITS=acc_bits, N_THRES=n_thres, OUT_BITS=out_bits,
                      ACT_VAL=act_val, WEIGHT_FILE=f"{prefix}_weights.hex", GATE_FILE=f"{prefix}_gates.hex",
                      THRESH_FILE=f"{prefix}_thresholds.hex", WEIGHT_STYLE=self.weight_style(fpgapart),
                      SKIP_LSB=int(self.skips_lsb()))
        return RtlInstance("bcnn_frac_mvau", [hw_source(s) for s in SOURCES],
                           params, in_bits=simd * 2, out_bits=pe * (out_bits if n_thres else acc_bits),
                           memory_files=files)
