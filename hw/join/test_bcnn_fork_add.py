"""bcnn_fork and bcnn_add against numpy: a word forked to two branches that stall at random (one
through a FIFO) and joined by addition gives a + b per lane, signed or not, mixed widths, under
random stalls at the ends too."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root

SOURCES = [source_root() / f for f in ("fork/bcnn_fork.sv", "join/bcnn_add.sv", "fifo/bcnn_fifo.sv",
                                       "join/tb_bcnn_fork_add.sv")]


def build(pe, a_bits, b_bits, out_bits, a_signed, b_signed, depth):
    params = dict(PE=pe, A_BITS=a_bits, B_BITS=b_bits, OUT_BITS=out_bits, A_SIGNED=a_signed, B_SIGNED=b_signed,
                  DEPTH=depth)
    return vl.build(SOURCES, "tb_bcnn_fork_add", params)


def run(tmp_path, pe, a_bits, b_bits, a_signed, b_signed, depth, stalls, words=300):
    lo = (-(1 << a_bits - 1) if a_signed else 0) + (-(1 << b_bits - 1) if b_signed else 0)
    hi = ((1 << a_bits - a_signed) - 1) + ((1 << b_bits - b_signed) - 1)
    out_bits = max(hi.bit_length(), (-lo - 1).bit_length()) + (lo < 0)  # the sum's exact range
    rng = np.random.default_rng(pe * 100 + a_bits * 10 + b_bits)
    a = vl.random_elements(rng, a_bits, a_signed, (words, pe))
    b = vl.random_elements(rng, b_bits, b_signed, (words, pe))
    # one input word: a lanes in the low bits, b lanes above (packed bit by bit, as the RTL reads it)
    bits_a = ((a[:, :, None] >> np.arange(a_bits)) & 1).reshape(words, -1)
    bits_b = ((b[:, :, None] >> np.arange(b_bits)) & 1).reshape(words, -1)
    stimulus = vl.pack(np.concatenate([bits_a, bits_b], axis=1), 1)
    binary = build(pe, a_bits, b_bits, out_bits, a_signed, b_signed, depth)
    result = vl.run(binary, tmp_path, stimulus, pe * out_bits, words, *stalls, seed=11)
    got = vl.unpack(result.out_words, out_bits, pe, signed=a_signed or b_signed)
    return got, a + b, result


@pytest.mark.parametrize("pe, a_bits, b_bits, a_signed, b_signed", [(2, 8, 8, True, True), (3, 4, 9, True, False),
                                                                    (1, 1, 1, False, False), (4, 7, 3, False, True)])
@pytest.mark.parametrize("stalls", [(100, 100), (60, 45)])
def test_fork_then_add_gives_the_lane_sums(pe, a_bits, b_bits, a_signed, b_signed, stalls, tmp_path):
    got, want, _ = run(tmp_path, pe, a_bits, b_bits, a_signed, b_signed, 4, stalls)
    np.testing.assert_array_equal(got, want)


def test_a_flipped_sum_bit_is_caught(tmp_path):
    got, want, _ = run(tmp_path, 2, 8, 8, True, True, 4, (100, 100))
    got[17, 1] ^= 1
    assert not np.array_equal(got, want)
