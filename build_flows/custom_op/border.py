"""The border of a zero-padded convolution over a binary (+-1) input, as compile-time tables.

A 1-bit stream has no zero: the sliding window pads with the code 0 (the value -1), so at a
padded window position a binary layer's popcount p counts a match wherever the weight is -1.
The zero-padded dot product is what the model computes:

    dot = 2 * p - K + c[pixel class][channel],   c = sum of the bipolar weights at padded positions

(each padded position contributed -w instead of 0). Which positions are padded depends only on
the output pixel's distance to the border, so pixels fall into few classes: for each axis, the
interior (class 0) and one class per output row (column) whose window reaches into the padding
(one top and one bottom class for a 3x3 window with padding 1: 3 x 3 = 9 pixel classes). The
hardware compares its popcount against per-class thresholds, ceil((T + K - c) / 2), so the
datapath stays a plain XNOR-popcount and the border costs a deeper threshold memory.

Where each fold of SIMD lanes splits into groups lying in one window position each (SIMD
divides the channels, or the channels divide SIMD: `lane_group`), the hardware can count the
padding instead (bcnn_mvau's PAD_COUNT): a padded group adds half its lanes' matches in place of
its popcount, so the accumulator is (dot + K) / 2 (times 2 for odd groups) and the thresholds
stay one set per channel (`count_thresholds`); the unit learns which taps are padded from the
per-class tap masks (`Axis.pad_masks`).

The window's elements are ordered (kernel row, kernel column, channel), as qonnx's Im2Col and
FINN+'s sliding window stream them."""
from dataclasses import dataclass

import numpy as np

# ConvolutionInputGenerator / Im2Col order of a window's elements
WINDOW_ORDER = ("kernel row", "kernel column", "channel")


@dataclass(frozen=True)
class Axis:
    """One spatial axis of a padded convolution."""
    size: int  # input pixels
    kernel: int
    stride: int
    dilation: int
    pad_begin: int
    pad_end: int

    @property
    def out(self) -> int:
        return (self.size + self.pad_begin + self.pad_end - self.dilation * (self.kernel - 1) - 1) // self.stride + 1

    def padded_taps(self, o: int) -> tuple:
        """The kernel taps of output index `o` that fall on padding."""
        first = o * self.stride - self.pad_begin
        return tuple(k for k in range(self.kernel) if not 0 <= first + k * self.dilation < self.size)

    @property
    def begin_outputs(self) -> int:
        """Outputs at the start whose window reaches into the leading padding (each its own class)."""
        return sum(1 for o in range(self.out) if o * self.stride - self.pad_begin < 0)

    @property
    def end_start(self) -> int:
        """The first output, after the leading classes, whose window reaches into the trailing
        padding; from it on every output is a class of its own."""
        last_tap = (self.kernel - 1) * self.dilation
        end = next((o for o in range(self.out) if o * self.stride - self.pad_begin + last_tap >= self.size), self.out)
        return max(end, self.begin_outputs)

    @property
    def classes(self) -> int:
        return 1 + self.begin_outputs + (self.out - self.end_start)

    def class_of(self, o: int) -> int:
        """0: the interior; 1..begin_outputs: the leading outputs; then the trailing ones. The RTL
        computes the same function from its pixel counters (hw/mvau/bcnn_mvau.sv)."""
        if o < self.begin_outputs:
            return 1 + o
        if o >= self.end_start:
            return 1 + self.begin_outputs + o - self.end_start
        return 0

    def pad_masks(self) -> int:
        """Bit cls * kernel + k set where tap k of an output of class cls lies in the padding."""
        bits = 0
        for cls in range(self.classes):
            o = self.representative(cls)
            for k in self.padded_taps(o) if o is not None else ():
                bits |= 1 << (cls * self.kernel + k)
        return bits

    def representative(self, cls: int) -> int | None:
        """An output of class `cls`; None for the interior class of an axis that has no interior
        (its table entries are never read)."""
        return next((o for o in range(self.out) if self.class_of(o) == cls), None)


@dataclass(frozen=True)
class Border:
    rows: Axis
    cols: Axis
    channels: int

    @classmethod
    def of(cls, ifm_dim, kernel, stride, dilation, pads, channels) -> "Border":
        """From Im2Col's attributes: pads are [top, left, bottom, right]."""
        return cls(Axis(ifm_dim[0], kernel[0], stride[0], dilation[0], pads[0], pads[2]),
                   Axis(ifm_dim[1], kernel[1], stride[1], dilation[1], pads[1], pads[3]), channels)

    def attribute(self) -> list:
        """The ints an MVAU carries (its `zeroPadBorder` attribute)."""
        r, c = self.rows, self.cols
        return [r.size, c.size, r.kernel, c.kernel, r.stride, c.stride, r.dilation, c.dilation,
                r.pad_begin, c.pad_begin, r.pad_end, c.pad_end, self.channels]

    @classmethod
    def from_attribute(cls, ints) -> "Border":
        h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, ch = ints
        return cls(Axis(h, kh, sh, dh, pt, pb), Axis(w, kw, sw, dw, pl, pr), ch)

    @property
    def window(self) -> int:
        return self.rows.kernel * self.cols.kernel * self.channels

    @property
    def classes(self) -> int:
        return self.rows.classes * self.cols.classes

    def class_map(self) -> np.ndarray:
        """(OH, OW) pixel classes, row class * column classes + column class."""
        rows = np.array([self.rows.class_of(o) for o in range(self.rows.out)])
        cols = np.array([self.cols.class_of(o) for o in range(self.cols.out)])
        return rows[:, None] * self.cols.classes + cols[None, :]

    def valid(self) -> np.ndarray:
        """(OH, OW, window) True where a window element lies inside the image."""
        r, c = self.rows, self.cols
        row_ok = np.ones((r.out, r.kernel), bool)
        for o in range(r.out):
            row_ok[o, list(r.padded_taps(o))] = False
        col_ok = np.ones((c.out, c.kernel), bool)
        for o in range(c.out):
            col_ok[o, list(c.padded_taps(o))] = False
        ok = row_ok[:, None, :, None] & col_ok[None, :, None, :]  # (OH, OW, KH, KW)
        return np.repeat(ok.reshape(r.out, c.out, -1), self.channels, axis=2)

    def class_valid(self) -> np.ndarray:
        """(classes, window) the valid elements of each class's windows."""
        valid = self.valid()
        out = np.ones((self.classes, self.window), bool)
        for rc in range(self.rows.classes):
            for cc in range(self.cols.classes):
                oy, ox = self.rows.representative(rc), self.cols.representative(cc)
                if oy is not None and ox is not None:
                    out[rc * self.cols.classes + cc] = valid[oy, ox]
        return out

    def corrections(self, bipolar_weights: np.ndarray) -> np.ndarray:
        """(classes, MH): the sum of each channel's +-1 weights (window, MH) at padded positions."""
        padded = ~self.class_valid()
        return padded.astype(np.int64) @ np.asarray(bipolar_weights, dtype=np.int64)

    def zero_padded_dot(self, codes: np.ndarray, binary_weights: np.ndarray) -> np.ndarray:
        """The model's dot products: codes (..., OH, OW, window) in {0, 1} (padded elements
        ignored), weights (window, MH) in {0, 1} -> (..., OH, OW, MH) integers."""
        return self.zero_padded_sum(2.0 * np.asarray(codes, dtype=np.float64) - 1.0,
                                    2.0 * np.asarray(binary_weights, dtype=np.float64) - 1.0)

    def zero_padded_sum(self, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The same for +-1 values and integer weights (a few-bit layer on a binary activation)."""
        x = np.where(self.valid(), np.asarray(values, dtype=np.float64), 0.0)
        return np.rint(x @ np.asarray(weights, dtype=np.float64)).astype(np.int64)

    def accumulator_thresholds(self, thresholds: np.ndarray, weights: np.ndarray, low: int, high: int) -> np.ndarray:
        """A few-bit unit's thresholds on the zero-padded sum (MH, N) -> on its accumulator of a
        window padded with -1, per pixel class (classes, MH, N): sum = acc + c, so T - c, clipped
        to [low, high + 1] (the accumulator's range: the same comparisons)."""
        t = np.asarray(thresholds, dtype=np.int64)[None] - self.corrections(weights)[:, :, None]
        return np.clip(t, low, high + 1)

    def popcount_thresholds(self, dot_thresholds: np.ndarray, bipolar_weights: np.ndarray) -> np.ndarray:
        """Thresholds on the dot product (MH, N) -> thresholds on the hardware's popcount p of a
        window padded with the code 0, per pixel class (classes, MH, N): dot >= T exactly when
        p >= ceil((T + K - c) / 2), clipped to [0, K + 1] (always / never reached)."""
        k = self.window
        corr = self.corrections(bipolar_weights)[:, :, None]
        t = np.ceil((np.asarray(dot_thresholds, dtype=np.float64)[None] + k - corr) / 2)
        return np.clip(t, 0, k + 1).astype(np.int64)

    def lane_group(self, simd: int) -> int | None:
        """Lanes per group of a fold of `simd` lanes, each group in one window position: simd
        where it divides the channels, the channels where they divide simd; None otherwise."""
        if self.channels % simd == 0:
            return simd
        if simd % self.channels == 0:
            return self.channels
        return None

    def count_unit(self, simd: int) -> int:
        """What one match counts in a padding-counting accumulator: 1, or 2 for odd lane groups."""
        return 1 if self.lane_group(simd) % 2 == 0 else 2

    def count_thresholds(self, dot_thresholds: np.ndarray, simd: int) -> np.ndarray:
        """Thresholds on the dot product (MH, N) -> on a padding-counting accumulator
        u * (dot + K) / 2 (u = count_unit): dot >= T exactly when acc >= ceil(u * (T + K) / 2),
        clipped to [0, u * K + 1] (always / never reached)."""
        u, k = self.count_unit(simd), self.window
        t = -((-u * (np.asarray(dot_thresholds, dtype=np.int64) + k)) // 2)
        return np.clip(t, 0, u * k + 1)
