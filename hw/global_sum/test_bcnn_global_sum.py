"""bcnn_global_sum against numpy: random frames of signed or unsigned lanes, the per-channel sums
over the pixels, random stalls on both streams; at full rate a frame takes one cycle per input
beat. A sum that drops one pixel is caught (checked on a mutated reference)."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root

SOURCES = [source_root() / "global_sum" / "bcnn_global_sum.sv"]


def run(tmp_path, pe, bits, signed, channels, pixels, stalls, frames=4):
    rng = np.random.default_rng(pe * 10 + channels)
    x = vl.random_elements(rng, bits, signed, (frames, pixels, channels))
    lo, hi = x.min() * pixels, (x.max() + 1) * pixels
    out_bits = max(int(hi).bit_length(), int(-lo).bit_length()) + 1
    params = dict(PE=pe, IN_BITS=bits, OUT_BITS=out_bits, IN_SIGNED=signed, FOLDS=channels // pe, PIXELS=pixels)
    binary = vl.build(SOURCES, "bcnn_global_sum", params)
    result = vl.run(binary, tmp_path, vl.pack(x.reshape(-1, pe), bits), pe * out_bits, frames * channels // pe,
                    *stalls, seed=5)
    got = vl.unpack(result.out_words, out_bits, pe, signed=True).reshape(frames, channels)
    return got, x, result


@pytest.mark.parametrize("pe, bits, signed, channels, pixels", [(2, 8, True, 8, 9), (1, 4, False, 3, 5),
                                                                (4, 8, True, 4, 1), (1, 1, False, 1, 7)])
@pytest.mark.parametrize("stalls", [(100, 100), (50, 45)], ids=["full_rate", "random_stalls"])
def test_global_sum_matches_numpy(pe, bits, signed, channels, pixels, stalls, tmp_path):
    got, x, result = run(tmp_path, pe, bits, signed, channels, pixels, stalls)
    np.testing.assert_array_equal(got, x.sum(axis=1))
    if stalls == (100, 100):  # the last pixel's beats leave as they arrive: no cycle between frames
        beats = len(result.out_cycles)
        assert result.out_cycles[-1] - result.out_cycles[0] == (beats // (channels // pe) - 1) * pixels * channels // pe + channels // pe - 1


@pytest.mark.parametrize("stalls", [(100, 100), (50, 45)], ids=["full_rate", "random_stalls"])
def test_bipolar_lanes_sum_their_values(stalls, tmp_path):
    """IN_BIPOLAR: 1-bit lanes are +-1 codes (code 1 = +1), summed as -1 and +1."""
    pe, channels, pixels, frames = 3, 6, 9, 3
    codes = np.random.default_rng(8).integers(0, 2, (frames, pixels, channels))
    out_bits = (pixels + 1).bit_length() + 1
    params = dict(PE=pe, IN_BITS=1, OUT_BITS=out_bits, IN_SIGNED=0, IN_BIPOLAR=1, FOLDS=channels // pe, PIXELS=pixels)
    binary = vl.build(SOURCES, "bcnn_global_sum", params)
    result = vl.run(binary, tmp_path, vl.pack(codes.reshape(-1, pe), 1), pe * out_bits, frames * channels // pe,
                    *stalls, seed=2)
    got = vl.unpack(result.out_words, out_bits, pe, signed=True).reshape(frames, channels)
    np.testing.assert_array_equal(got, (2 * codes - 1).sum(axis=1))


def test_a_dropped_pixel_is_caught(tmp_path):
    got, x, _ = run(tmp_path, 2, 8, True, 8, 9, (100, 100))
    assert np.array_equal(got, x.sum(axis=1)) and not np.array_equal(got, x[:, 1:].sum(axis=1))
