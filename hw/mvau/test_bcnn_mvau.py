"""bcnn_mvau against a numpy reference: random weights, thresholds and inputs, random stalls on
both streams, every arithmetic mode, and the cycle count at full throughput."""
import numpy as np
import pytest

from build_flows.custom_op.mvau import SOURCES as MVAU_SOURCES
from build_flows.sim import verilator as vl
from hw import source_root
from hw.memfiles import write_thresholds, write_weights

SOURCES = [source_root() / s for s in MVAU_SOURCES]  # the op's, in compile order
ACC_BITS = 16

# name: (MW, MH, PE, SIMD, mode, IN_BITS, W_BITS, N_THRES, OUT_BITS, ACT_VAL, weight/threshold memory style)
CONFIGS = {
    "xnor_binary_out": (32, 12, 3, 8, "xnor", 1, 1, 1, 1, 0, "block"),
    "bipolar_w_int8_in": (27, 8, 4, 3, "bipolar", 8, 1, 1, 1, 0, "distributed"),
    "ternary_int2_2bit_out": (24, 6, 2, 6, "int", 2, 2, 2, 2, -1, "block"),
    "int3_weights_dsp": (12, 4, 2, 3, "dsp", 4, 3, 3, 2, 0, "distributed"),
    "xnor_raw_accumulators": (16, 10, 5, 16, "xnor", 1, 1, 0, ACC_BITS, 0, "distributed"),
    "xnor_one_neuron_fold": (16, 4, 4, 4, "xnor", 1, 1, 1, 1, 0, "block"),
    "xnor_one_fold": (8, 3, 3, 8, "xnor", 1, 1, 1, 1, 0, "distributed"),
    "xnor_wide_in_chunks": (144, 6, 2, 72, "xnor", 1, 1, 1, 1, 0, "distributed"),  # 32 + 32 + 8 lanes
    "int8_in_wide_in_chunks": (54, 4, 2, 27, "int", 8, 2, 0, ACC_BITS, 0, "block"),  # 8 + 8 + 8 + 3 lanes
    # block ROMs of more than 1,024 words: the weights registered once more (W_REG), with and
    # without the chunks' tree stage
    "xnor_deep_block_rom": (128, 48, 1, 4, "xnor", 1, 1, 3, 2, 0, "block"),  # 48 x 32 words
    "xnor_deep_block_rom_in_chunks": (1152, 80, 1, 72, "xnor", 1, 1, 1, 1, 0, "block"),  # 80 x 16 words
}


def reference(weights, x, thresholds, act_val, mode):
    if mode == "xnor":  # weights and inputs are 0/1 codes; count matches
        acc = (weights[None, :, :] == x[:, None, :]).sum(-1)
    else:
        acc = x @ weights.T
    if thresholds is None:
        return acc
    return act_val + (acc[:, :, None] >= thresholds[None]).sum(-1)


def random_case(rng, mw, mh, mode, in_bits, w_bits, n_thres):
    if mode == "xnor":
        weights, x_levels = rng.integers(0, 2, (mh, mw)), (0, 1)
    elif mode == "bipolar":
        weights, x_levels = rng.choice([-1, 1], (mh, mw)), (-(1 << (in_bits - 1)), 1 << (in_bits - 1))
    else:  # signed weights over their full range (the most negative one too)
        weights = rng.integers(-(1 << (w_bits - 1)), 1 << (w_bits - 1), (mh, mw))
        x_levels = (-(1 << (in_bits - 1)), 1 << (in_bits - 1))
    x = rng.integers(x_levels[0], x_levels[1] + (mode == "xnor"), (7, mw))
    acc = reference(weights, x, None, 0, mode)
    thresholds = None
    if n_thres:  # thresholds around the accumulators actually reached, so every output level occurs
        thresholds = np.sort(rng.integers(acc.min(), acc.max() + 1, (mh, n_thres)), axis=1)
    return weights, x, thresholds


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("stalls", [(100, 100), (60, 45)], ids=["full_rate", "random_stalls"])
def test_mvau_matches_numpy(name, stalls, tmp_path):
    mw, mh, pe, simd, mode, in_bits, w_bits, n_thres, out_bits, act_val, style = CONFIGS[name]
    rng = np.random.default_rng(list(CONFIGS).index(name))  # the same data in every run
    weights, x, thresholds = random_case(rng, mw, mh, mode, in_bits, w_bits, n_thres)
    params = dict(MW=mw, MH=mh, PE=pe, SIMD=simd, IN_BITS=in_bits, IN_SIGNED=mode != "xnor", W_BITS=w_bits,
                  W_BIPOLAR=mode in ("xnor", "bipolar"), XNOR=mode == "xnor", ACC_BITS=ACC_BITS, N_THRES=n_thres,
                  OUT_BITS=out_bits, ACT_VAL=act_val, WEIGHT_STYLE=style, THRESH_STYLE=style, MUL_DSP=mode == "dsp")
    binary = vl.build(SOURCES, "bcnn_mvau", params)
    write_weights(tmp_path / "weights.hex", weights, pe, simd, w_bits, bipolar=mode in ("xnor", "bipolar"))
    if n_thres:
        write_thresholds(tmp_path / "thresholds.hex", thresholds, pe, ACC_BITS)
    sf, nf = mw // simd, mh // pe
    beats_in = vl.pack(x.reshape(-1, simd), in_bits)
    result = vl.run(binary, tmp_path, beats_in, pe * out_bits, len(x) * nf,
                    valid_percent=stalls[0], ready_percent=stalls[1], seed=7)
    got = vl.unpack(result.out_words, out_bits, pe, signed=n_thres == 0 or act_val < 0).reshape(len(x), mh)
    np.testing.assert_array_equal(got, reference(weights, x, thresholds, act_val, mode))
    if stalls == (100, 100):  # one vector every NF * SF cycles, as FINN's estimate says
        intervals = np.diff(result.out_cycles[nf - 1::nf])
        assert set(intervals.tolist()) == {nf * sf}
