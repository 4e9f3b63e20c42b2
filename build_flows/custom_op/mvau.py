"""MVAU_bcnn: FINN+'s MVAU implemented by hw/mvau/bcnn_mvau.sv.

With `zeroPadBorder` (made by transformation/zero_padding.py) an XNOR unit reads the windows of a
zero-padded binary convolution: its output is the zero-padded dot product (thresholded, or raw),
not FINN+'s popcount, and its thresholds are on that dot product (border.py). Where the folding
allows (`counts_padding`) the unit counts the padding in its accumulator and keeps one set of
thresholds per channel, otherwise its thresholds are per pixel class."""
from pathlib import Path

import numpy as np
from finn.custom_op.fpgadataflow.hls.matrixvectoractivation_hls import MVAU_hls
from finn.custom_op.fpgadataflow.matrixvectoractivation import MVAU
from qonnx.core.datatype import DataType

from qonnx.custom_op.general.multithreshold import multithreshold

from hw import PackedBits
from hw.memfiles import block_ram_18k, write_thresholds, write_weights
from models.errors import BcnnError

from .base import BcnnRTLOp, RtlInstance, finn_estimates, hw_source
from .border import Border
from .zero_pad_xnor import dot_datatype

SOURCES = ("memory/bcnn_rom.sv", "mvau/bcnn_activate.sv", "mvau/bcnn_sum_tree.sv", "mvau/bcnn_xnor_popcount.sv", "mvau/bcnn_mvau.sv")


def write_activation(op, model, directory: Path, acc_bits: int, files: list, border: Border | None = None,
                     count_simd: int | None = None) -> tuple:
    """A unit's thresholds as its memory file (appended to `files`) -> (thresholds per channel,
    ActVal); (0, 0) for raw accumulators (noActivation). With a zero-padded window's `border`:
    thresholds on the unit's accumulator per pixel class (its XNOR popcount's, or a few-bit
    unit's sum over a window padded with -1), or for raw outputs the class corrections; with
    `count_simd` (an XNOR unit counting the padding, folded by that SIMD) one set of thresholds
    on its accumulator, and nothing for raw outputs."""
    node = op.onnx_node
    mh = op.get_nodeattr("MH")
    path = Path(directory) / f"{node.name}_thresholds.hex"
    xnor = bool(op.get_nodeattr("binaryXnorMode"))
    if border is not None and not count_simd:
        weights = np.asarray(model.get_initializer(node.input[1]), dtype=np.int64)
        weights = 2 * weights - 1 if xnor else weights  # the values a padded element multiplied
        if op.get_nodeattr("noActivation"):
            files.append(write_thresholds(path, border.corrections(weights).reshape(-1, 1), op.get_nodeattr("PE"),
                                          acc_bits))
            return 0, 0
    elif op.get_nodeattr("noActivation"):
        return 0, 0
    thresholds = np.asarray(model.get_initializer(node.input[2]))
    thresholds = np.broadcast_to(thresholds, (mh, thresholds.shape[-1])).astype(np.int64)
    if border is not None and count_simd:
        thresholds = border.count_thresholds(thresholds, count_simd)
    elif border is not None and xnor:
        thresholds = border.popcount_thresholds(thresholds, weights).reshape(-1, thresholds.shape[1])
    elif border is not None:
        acc = DataType[op.get_nodeattr("accDataType")]
        thresholds = border.accumulator_thresholds(thresholds, weights, int(acc.min()), int(acc.max()))
        thresholds = thresholds.reshape(-1, thresholds.shape[2])
    files.append(write_thresholds(path, thresholds, op.get_nodeattr("PE"), acc_bits))
    return thresholds.shape[1], op.get_nodeattr("ActVal")


def threshold_bits(acc_dt: DataType) -> int:
    """Bits of bcnn_mvau's signed sums and thresholds: the accumulator's range and one past its
    top (a threshold no sum reaches, where RoundAndClipThresholds puts those). INT k needs k + 1;
    UINT k needs k + 2 (2^k, k + 1 signed bits would wrap it to -2^k: a threshold always reached)."""
    low, high = min(int(acc_dt.min()), 0), int(acc_dt.max()) + 1
    bits = 1
    while low < -(1 << (bits - 1)) or high > (1 << (bits - 1)) - 1:
        bits += 1
    return bits


def unsupported_reason(inst) -> str | None:
    """Why bcnn_mvau cannot implement this MVAU (None: it can)."""
    idt, wdt = DataType[inst.get_nodeattr("inputDataType")], DataType[inst.get_nodeattr("weightDataType")]
    if inst.get_nodeattr("binaryXnorMode"):
        return None
    if not (idt.is_integer() and wdt.is_integer()):
        return f"non-integer datatypes ({idt.name} x {wdt.name})"
    return None


def border_params(border: Border | None, count_simd: int | None = None) -> dict:
    """bcnn_mvau's BORDER parameters: the output size and which rows and columns are classes;
    with `count_simd` (counts_padding's SIMD) the window and its padded taps per class."""
    if border is None:
        return {}
    r, c = border.rows, border.cols
    params = dict(BORDER=True, OUT_H=r.out, OUT_W_PX=c.out, ROW_BEGIN=r.begin_outputs, ROW_END_START=r.end_start,
                  COL_BEGIN=c.begin_outputs, COL_END_START=c.end_start)
    if count_simd:
        params.update(PAD_COUNT=True, KH=r.kernel, KW=c.kernel, CH=border.channels,
                      ROW_PAD=PackedBits(r.pad_masks(), r.classes * r.kernel),
                      COL_PAD=PackedBits(c.pad_masks(), c.classes * c.kernel))
    return params


def counts_padding(border: Border | None, simd: int, xnor: bool) -> bool:
    """Whether an XNOR unit counts the padding in its accumulator (bcnn_mvau's PAD_COUNT) rather
    than comparing per pixel class: wherever its folds split into window positions (measured in
    bench/zero_padding: fewer LUTs, the same block RAM and cycles)."""
    return border is not None and xnor and border.lane_group(simd) is not None


THRESHOLD_BLOCK_WORDS = 1024


def weight_style(op, fpgapart: str) -> str:
    """A matrix-vector unit's weight memory: FINN+'s ram_style; for "auto", block RAM exactly
    where FINN+'s estimate counts block RAM, else LUT RAM, so the design is what the estimate says."""
    style = op.get_nodeattr("ram_style")
    if style == "ultra":
        raise BcnnError(f"layer '{op.onnx_node.name}': ram_style ultra needs runtime-writable weights "
                        "(UltraRAM starts empty); use auto, block or distributed")
    if style != "auto":
        return style
    return "block" if MVAU.bram_estimation(op, fpgapart) > 0 else "distributed"  # FINN+'s, of the weights


class MVAU_bcnn(MVAU, BcnnRTLOp):
    def get_nodeattr_types(self):
        attrs = super().get_nodeattr_types()
        attrs["zeroPadBorder"] = ("ints", False, [])  # border.Border.attribute(); [] for none
        return attrs

    def border(self) -> Border | None:
        ints = self.get_nodeattr("zeroPadBorder")
        return Border.from_attribute(ints) if ints else None

    def execute_node(self, context, graph):
        border = self.border()
        if border is None:
            return super().execute_node(context, graph)
        node = self.onnx_node
        x = np.asarray(context[node.input[0]]).reshape(self.get_normal_input_shape())
        weights = np.asarray(context[node.input[1]])
        if self.get_nodeattr("binaryXnorMode"):
            dots = border.zero_padded_dot(x, weights).astype(np.float64)
        else:  # a few-bit unit's window: codes of +-1 values (zero_padding.py)
            dots = border.zero_padded_sum(2.0 * x - 1.0, weights).astype(np.float64)
        if not self.get_nodeattr("noActivation"):
            bipolar = self.get_nodeattr("outputDataType") == "BIPOLAR"  # as FINN+'s MVAU: scale 2, bias -1
            nchw = multithreshold(dots.transpose(0, 3, 1, 2), np.asarray(context[node.input[2]]), 2.0 if bipolar else 1.0,
                                  -1 if bipolar else self.get_nodeattr("ActVal"))
            dots = nchw.transpose(0, 2, 3, 1)
        context[node.output[0]] = dots.reshape(context[node.output[0]].shape).astype(np.float32)

    def counts_padding(self) -> bool:
        return counts_padding(self.border(), self.get_nodeattr("SIMD"), bool(self.get_nodeattr("binaryXnorMode")))

    def calc_tmem(self):
        """A border's thresholds (a raw output's corrections) are per pixel class, unless the unit
        counts the padding."""
        border = self.border()
        if border is None or self.counts_padding():
            return super().calc_tmem()
        return border.classes * self.get_nodeattr("MH") // self.get_nodeattr("PE")

    def minimize_accumulator_width(self, model, datatype_only=False):
        """A border's accumulator is the dot product over +-1 inputs: in [-MW, MW] for binary
        weights, within the largest sum of a channel's weight magnitudes for few-bit ones."""
        if self.border() is None:
            return super().minimize_accumulator_width(model, datatype_only)
        if self.get_nodeattr("binaryXnorMode"):
            adt = dot_datatype(self.get_nodeattr("MW"))
        else:
            magnitude = int(np.abs(model.get_initializer(self.onnx_node.input[1])).sum(0).max())
            adt = DataType.get_smallest_possible(-magnitude - 1)
        self.set_nodeattr("accDataType", adt.name)
        if self.get_nodeattr("noActivation"):
            if model.find_direct_successors(self.onnx_node) is None:  # a graph output stays byte-aligned
                adt = DataType[f"INT{-(-adt.bitwidth() // 8) * 8}"]
            self.set_nodeattr("outputDataType", adt.name)
        return adt

    def lut_estimation(self, fpgapart):
        # FINN+'s LUT model of its HLS MVAU: the same datapath (PE x SIMD products, adder tree,
        # threshold comparators), so the same order of magnitude; a border's other pixel classes
        # add their threshold (or correction) words, LUT ROM at 64 bits per LUT
        luts = finn_estimates(self, MVAU_hls).lut_estimation(fpgapart)
        border = self.border()
        if border is not None and not self.counts_padding() and self.threshold_style() == "distributed":
            words = (border.classes - 1) * self.get_nodeattr("MH") * max(1, self._thresholds_per_channel())
            luts += words * threshold_bits(DataType[self.get_nodeattr("accDataType")]) / 64
        return luts

    def _thresholds_per_channel(self) -> int:
        """Thresholds per channel (1 for a raw output's correction)."""
        if self.get_nodeattr("noActivation"):
            return 1
        return DataType[self.get_nodeattr("outputDataType")].get_num_possible_values() - 1

    def dsp_estimation(self, fpgapart):
        return finn_estimates(self, MVAU_hls).dsp_estimation(fpgapart)

    def weight_style(self, fpgapart: str) -> str:
        return weight_style(self, fpgapart)

    def threshold_memory(self) -> tuple[int, int]:
        """(words, bits per word) of bcnn_mvau's threshold ROM (a raw output's per-class
        corrections included): a word per neuron fold (and pixel class)."""
        if self.get_nodeattr("noActivation"):
            bits = DataType[self.get_nodeattr("outputDataType")].bitwidth()  # as rtl_instance's acc_bits
        else:
            bits = threshold_bits(DataType[self.get_nodeattr("accDataType")])
        return int(self.calc_tmem()), self.get_nodeattr("PE") * self._thresholds_per_channel() * bits

    def threshold_style(self) -> str:
        """FINN+'s ram_style_thresholds; "auto" is LUT RAM up to THRESHOLD_BLOCK_WORDS words, block
        RAM beyond: a deeper LUT ROM's read is a long mux (ResNet-18's per-class corrections,
        2,304 words: 8 LUT levels, the design's longest path)."""
        style = self.get_nodeattr("ram_style_thresholds")
        if style != "auto":
            return style
        return "block" if self.threshold_memory()[0] > THRESHOLD_BLOCK_WORDS else "distributed"

    def bram_estimation(self, fpgapart):
        """FINN+'s (the weights), and the threshold ROM where it is of block style."""
        words, bits = self.threshold_memory()
        thresholds = block_ram_18k(bits, words) if words and self.threshold_style() == "block" else 0
        return super().bram_estimation(fpgapart) + thresholds

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        reason = unsupported_reason(self)
        if reason:
            raise BcnnError(f"layer '{self.onnx_node.name}': bcnn_mvau does not support {reason}")
        node = self.onnx_node
        idt, wdt = DataType[self.get_nodeattr("inputDataType")], DataType[self.get_nodeattr("weightDataType")]
        mw, mh, pe, simd = (self.get_nodeattr(a) for a in ("MW", "MH", "PE", "SIMD"))
        xnor = bool(self.get_nodeattr("binaryXnorMode"))
        weights = np.asarray(model.get_initializer(node.input[1])).T  # (MW, MH) -> (MH, MW)
        # +-1 weights typed as a 2-bit integer (a binary stem on 8-bit pixels) are bipolar too: one
        # bit each and a product of +x or -x, not a 2-bit multiply (rf_resnet_small's stem on the
        # Pynq-Z1: its 8-lane product sums were the design's longest path, 9.0 ns)
        bipolar = wdt == DataType["BIPOLAR"] or (not xnor and bool(np.all(np.abs(weights) == 1)))
        w_bits = 1 if (xnor or bipolar) else wdt.bitwidth() + (0 if wdt.signed() else 1)
        acc_bits = threshold_bits(DataType[self.get_nodeattr("accDataType")])
        prefix = node.name
        files = [write_weights(Path(directory) / f"{prefix}_weights.hex", weights, pe, simd, w_bits, bipolar or xnor)]
        out_bits = DataType[self.get_nodeattr("outputDataType")].bitwidth()
        border = self.border()
        if self.get_nodeattr("noActivation"):
            acc_bits = out_bits  # raw accumulators leave at the width FINN+ declared
        count_simd = simd if self.counts_padding() else None
        n_thres, act_val = write_activation(self, model, directory, acc_bits, files, border, count_simd)
        # a bipolar output is its threshold's bit (code 1 = +1), as FINN+ streams BIPOLAR
        params = dict(MW=mw, MH=mh, PE=pe, SIMD=simd, IN_BITS=idt.bitwidth(), IN_SIGNED=idt.signed(),
                      # (a zero-padded few-bit unit reads its BINARY window as codes of +-1 values)
                      IN_BIPOLAR=(idt == DataType["BIPOLAR"] or border is not None) and not xnor,
                      W_BITS=w_bits, W_BIPOLAR=bipolar or xnor, XNOR=xnor, ACC_BITS=acc_bits, N_THRES=n_thres,
                      OUT_BITS=out_bits, ACT_VAL=act_val, WEIGHT_FILE=f"{prefix}_weights.hex",
                      THRESH_FILE=f"{prefix}_thresholds.hex", WEIGHT_STYLE=self.weight_style(fpgapart),
                      THRESH_STYLE=self.threshold_style(), MUL_DSP=self.get_nodeattr("resType") == "dsp",
                      **border_params(border, count_simd))
        return RtlInstance("bcnn_mvau", [hw_source(s) for s in SOURCES], params,
                           in_bits=simd * idt.bitwidth(), out_bits=pe * (out_bits if n_thres else acc_bits),
                           memory_files=files)
