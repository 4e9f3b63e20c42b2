"""Memory-initialization files ($readmemh) for hw/ modules: weights and thresholds as laid out
in the RTL (see hw/mvau/bcnn_mvau.sv)."""
from pathlib import Path

import numpy as np


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


def write_thresholds(path: Path, thresholds, acc_bits: int) -> Path:
    """(MH, T) integer thresholds, channel-major, as acc_bits two's complement."""
    return write_hex(path, np.asarray(thresholds, dtype=np.int64).reshape(-1), acc_bits)
