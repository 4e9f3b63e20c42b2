"""Memory-initialization files ($readmemh) for hw/ modules: weights and thresholds as laid out
in the RTL (see hw/mvau/bcnn_mvau.sv and hw/thresholding/bcnn_thresholding.sv), and the block RAM
a memory of a given shape takes."""
import math
from pathlib import Path

import numpy as np


BRAM18_ASPECTS = ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36))
BRAM36_ASPECTS = ((32768, 1), (16384, 2), (8192, 4), (4096, 9), (2048, 18), (1024, 36), (512, 72))


def block_ram_18k(width: int, depth: int) -> int:
    """BRAM18 a width x depth memory takes in the cheapest aspect ratio, a RAMB36 counting two
    (as Yosys maps a FIFO's memory or a ROM of block style)."""
    half = min(math.ceil(depth / d) * math.ceil(width / w) for d, w in BRAM18_ASPECTS)
    full = min(math.ceil(depth / d) * math.ceil(width / w) for d, w in BRAM36_ASPECTS)
    return min(half, 2 * full)


def weight_words(weights: np.ndarray, pe: int, simd: int, w_bits: int, bipolar: bool) -> list:
    """(MH, MW) weights -> one integer per (neuron fold, synapse fold), PE x SIMD weights each,
    weight (p, s) at bits [(p*SIMD + s) * w_bits, ...). Bipolar weights store +1 as 1, -1 as 0."""
    mh, mw = weights.shape
    codes = (weights > 0).astype(np.int64) if bipolar else np.asarray(weights, dtype=np.int64) & ((1 << w_bits) - 1)
    words = []
    for nf in range(mh // pe):
        for sf in range(mw // simd):
            block = codes[nf * pe:(nf + 1) * pe, sf * simd:(sf + 1) * simd].reshape(-1)
            words.append(sum(int(c) << (i * w_bits) for i, c in enumerate(block)))
    return words


def write_hex(path: Path, words, bits: int) -> Path:
    digits = (bits + 3) // 4
    mask = (1 << bits) - 1
    Path(path).write_text("".join(f"{int(w) & mask:0{digits}x}\n" for w in words))
    return Path(path)


def write_weights(path: Path, weights, pe: int, simd: int, w_bits: int, bipolar: bool) -> Path:
    return write_hex(path, weight_words(np.asarray(weights), pe, simd, w_bits, bipolar), pe * simd * w_bits)


def threshold_words(thresholds: np.ndarray, pe: int, acc_bits: int) -> list:
    """(MH, T) integer thresholds -> one integer per neuron fold: threshold t of channel
    nf*PE + p at bits [(p*T + t) * acc_bits, ...), two's complement."""
    thresholds = np.asarray(thresholds, dtype=np.int64)
    mh, n = thresholds.shape
    mask = (1 << acc_bits) - 1
    words = []
    for nf in range(mh // pe):
        block = thresholds[nf * pe:(nf + 1) * pe].reshape(-1)
        words.append(sum((int(t) & mask) << (i * acc_bits) for i, t in enumerate(block)))
    return words


def write_thresholds(path: Path, thresholds, pe: int, acc_bits: int) -> Path:
    thresholds = np.asarray(thresholds)
    return write_hex(path, threshold_words(thresholds, pe, acc_bits), pe * thresholds.shape[1] * acc_bits)


def write_gates(path: Path, low, high, pe: int, bits: int) -> Path:
    """bcnn_frac_mvau's gate intervals: per channel [low, high] on the MSB popcount, laid out as
    two thresholds per channel (low at t = 0, high at t = 1), `bits`-bit two's complement."""
    return write_thresholds(path, np.stack([np.asarray(low), np.asarray(high)], axis=1), pe, bits)


def search_stages(n_thresholds: int) -> int:
    """Binary-search stages of bcnn_thresholding for n thresholds: ceil(log2(n + 1))."""
    return max(1, int(n_thresholds).bit_length())


def write_search_thresholds(prefix: str, thresholds, pe: int, in_bits: int, in_signed: bool) -> list:
    """bcnn_thresholding's ROM files `<prefix>p<lane>_s<stage>.hex` for (C, T) thresholds sorted
    along T, as IN_BITS + 2-bit signed words (its CMP_BITS). Thresholds are clipped to
    [in_min, in_max + 1] (the same comparisons for every input in range) and padded to 2^B - 1
    with in_max + 1, which no input reaches."""
    in_min, in_max = (-(1 << (in_bits - 1)), (1 << (in_bits - 1)) - 1) if in_signed else (0, (1 << in_bits) - 1)
    thresholds = np.asarray(thresholds, dtype=np.int64)
    channels, n = thresholds.shape
    if np.any(np.diff(thresholds, axis=1) < 0):
        raise ValueError("thresholds must be sorted along each channel")
    stages = search_stages(n)
    padded = np.full((channels, (1 << stages) - 1), in_max + 1, dtype=np.int64)
    padded[:, :n] = np.clip(thresholds, in_min, in_max + 1)
    bits = in_bits + 2
    paths = []
    for lane in range(pe):
        rows = padded[lane::pe]  # the lane's channel in every fold
        for s in range(stages):
            index = [(2 * j + 1) * (1 << (stages - 1 - s)) - 1 for j in range(1 << s)]
            paths.append(write_hex(Path(f"{prefix}p{lane}_s{s}.hex"), rows[:, index].reshape(-1), bits))
    return paths
