"""bcnn_frac_mvau against a loop-level numpy reference: random weights, 2-bit inputs, gate
intervals that gate some folds and not others (empty ones too), thresholds, random stalls, and the
cycle count of every vector at full rate (with SKIP_LSB it depends on how many folds needed an LSB
pass; without, both passes always run)."""
import numpy as np
import pytest

from build_flows.custom_op.frac_mvau import SOURCES as FRAC_MVAU_SOURCES
from build_flows.sim import verilator as vl
from hw import source_root
from hw.memfiles import write_gates, write_thresholds, write_weights

SOURCES = [source_root() / s for s in FRAC_MVAU_SOURCES]  # the op's, in compile order
ACC_BITS = 14
GATE_WAIT = 3

# name: (MW, MH, PE, SIMD, N_THRES, OUT_BITS, ACT_VAL, weight memory style, SKIP_LSB)
CONFIGS = {
    "two_bit_out": (32, 12, 3, 8, 3, 2, 0, "block", 1),
    "two_bit_out_both_passes": (32, 12, 3, 8, 3, 2, 0, "block", 0),
    "binary_out": (24, 8, 2, 6, 1, 1, 0, "distributed", 1),
    "raw_accumulators": (16, 6, 3, 16, 0, ACC_BITS, 0, "distributed", 1),
    "one_neuron_fold": (12, 4, 4, 3, 3, 2, 0, "block", 0),
    "one_synapse_fold": (8, 6, 2, 8, 1, 1, 0, "distributed", 0),
    "wide_in_chunks": (144, 4, 2, 72, 0, ACC_BITS, 0, "distributed", 1),  # 72 lanes: chunks of 32, 32, 8
    "nine_chunks": (576, 2, 1, 288, 0, ACC_BITS, 0, "distributed", 0),  # 288 lanes, as ResNet-20s stage 2
}


def reference(weights, codes, low, high, thresholds, act_val):
    """weights (MH, MW) in {0, 1} (1 = +1), codes (N, MW) in 0..3 -> outputs and the gate pattern."""
    n, mw = codes.shape
    mh = weights.shape[0]
    acc = np.zeros((n, mh), dtype=np.int64)
    gates = np.zeros((n, mh), dtype=bool)
    for v in range(n):
        for ch in range(mh):
            pa = sum(int(weights[ch, i] == codes[v, i] >> 1) for i in range(mw))
            pb = sum(int(weights[ch, i] == codes[v, i] & 1) for i in range(mw))
            gates[v, ch] = low[ch] <= pa <= high[ch]
            acc[v, ch] = 4 * pa + (2 * pb - mw if gates[v, ch] else 0)
    if thresholds is None:
        return acc, gates
    return act_val + (acc[:, :, None] >= thresholds[None]).sum(-1), gates


def random_case(rng, mw, mh, n_thres):
    weights = rng.integers(0, 2, (mh, mw))
    codes = rng.integers(0, 4, (9, mw))
    centre = rng.integers(mw // 2 - 2, mw // 2 + 3, mh)
    width = rng.integers(-1, 3, mh)  # -1: an empty interval, the channel is never gated
    low, high = centre - np.maximum(width, 0), centre + width
    acc, _ = reference(weights, codes, low, high, None, 0)
    thresholds = None
    if n_thres:
        thresholds = np.sort(rng.integers(acc.min(), acc.max() + 1, (mh, n_thres)), axis=1)
    return weights, codes, low, high, thresholds


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("stalls", [(100, 100), (60, 45)], ids=["full_rate", "random_stalls"])
def test_frac_mvau_matches_numpy(name, stalls, tmp_path):
    mw, mh, pe, simd, n_thres, out_bits, act_val, style, skip = CONFIGS[name]
    rng = np.random.default_rng(list(CONFIGS).index(name))
    weights, codes, low, high, thresholds = random_case(rng, mw, mh, n_thres)
    expected, gates = reference(weights, codes, low, high, thresholds, act_val)
    folds_gated = gates.reshape(len(codes), mh // pe, pe).any(axis=2)
    assert folds_gated.any() and not folds_gated.all()  # both paths are exercised

    params = dict(MW=mw, MH=mh, PE=pe, SIMD=simd, ACC_BITS=ACC_BITS, N_THRES=n_thres, OUT_BITS=out_bits,
                  ACT_VAL=act_val, WEIGHT_STYLE=style, SKIP_LSB=skip)
    binary = vl.build(SOURCES, "bcnn_frac_mvau", params)
    write_weights(tmp_path / "weights.hex", weights, pe, simd, 1, bipolar=True)
    write_gates(tmp_path / "gates.hex", low, high, pe, (mw + 1).bit_length() + 1)
    if n_thres:
        write_thresholds(tmp_path / "thresholds.hex", thresholds, pe, ACC_BITS)
    nf, sf = mh // pe, mw // simd
    result = vl.run(binary, tmp_path, vl.pack(codes.reshape(-1, simd), 2), pe * out_bits, len(codes) * nf,
                    valid_percent=stalls[0], ready_percent=stalls[1], seed=3)
    got = vl.unpack(result.out_words, out_bits, pe, signed=n_thres == 0).reshape(len(codes), mh)
    np.testing.assert_array_equal(got, expected)
    if stalls == (100, 100):
        intervals = np.diff(result.out_cycles[nf - 1::nf].astype(np.int64))
        if not skip:
            np.testing.assert_array_equal(intervals, 2 * nf * sf)
            return
        # each vector takes its MSB passes, gate decisions and LSB passes where gated; a fold
        # without an LSB pass completes GATE_WAIT cycles earlier in its slot than one with
        cycles = nf * (sf + GATE_WAIT) + sf * folds_gated.sum(axis=1)
        early = GATE_WAIT * ~folds_gated[:, -1]
        np.testing.assert_array_equal(intervals, cycles[1:] + early[:-1] - early[1:])


def test_a_flipped_gate_bound_is_caught(tmp_path):
    """The check can fail: one channel's gate interval widened in the memory file changes outputs."""
    mw, mh, pe, simd, n_thres, out_bits, act_val, style, _ = CONFIGS["raw_accumulators"]
    rng = np.random.default_rng(1)
    weights, codes, low, high, _ = random_case(rng, mw, mh, 0)
    expected, _ = reference(weights, codes, low, high, None, 0)
    binary = vl.build(SOURCES, "bcnn_frac_mvau", dict(MW=mw, MH=mh, PE=pe, SIMD=simd, ACC_BITS=ACC_BITS, N_THRES=0,
                                                       OUT_BITS=out_bits, WEIGHT_STYLE=style))
    write_weights(tmp_path / "weights.hex", weights, pe, simd, 1, bipolar=True)
    wide_low = low.copy()
    wide_low[0], wide_high = 0, high.copy()
    wide_high[0] = mw
    write_gates(tmp_path / "gates.hex", wide_low, wide_high, pe, (mw + 1).bit_length() + 1)
    result = vl.run(binary, tmp_path, vl.pack(codes.reshape(-1, simd), 2), pe * ACC_BITS, len(codes) * (mh // pe),
                    valid_percent=100, ready_percent=100, seed=3)
    got = vl.unpack(result.out_words, ACC_BITS, pe, signed=True).reshape(len(codes), mh)
    assert (got[:, 0] != expected[:, 0]).any()
    np.testing.assert_array_equal(got[:, 1:], expected[:, 1:])
