"""bcnn_repeat against numpy: random pixels, every pixel's channels repeated in a row, random
stalls on both streams; a repeat that replays the wrong beat is caught (checked on a mutated
reference)."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root

SOURCES = [source_root() / "repeat" / "bcnn_repeat.sv"]


@pytest.mark.parametrize("simd, bits, channels, repeats", [(2, 8, 8, 2), (1, 5, 3, 3), (4, 1, 4, 2)])
@pytest.mark.parametrize("stalls", [(100, 100), (50, 45)], ids=["full_rate", "random_stalls"])
def test_repeat_matches_numpy(simd, bits, channels, repeats, stalls, tmp_path):
    rng = np.random.default_rng(channels)
    pixels = rng.integers(0, 1 << bits, (17, channels))
    binary = vl.build(SOURCES, "bcnn_repeat", dict(SIMD=simd, BITS=bits, FOLDS=channels // simd, REPEATS=repeats))
    result = vl.run(binary, tmp_path, vl.pack(pixels.reshape(-1, simd), bits), simd * bits,
                    len(pixels) * repeats * channels // simd, valid_percent=stalls[0], ready_percent=stalls[1], seed=2)
    got = vl.unpack(result.out_words, bits, simd, signed=False).reshape(len(pixels), repeats * channels)
    want = np.tile(pixels, (1, repeats))
    np.testing.assert_array_equal(got, want)
    assert not np.array_equal(got, np.repeat(pixels, repeats, axis=1)) or channels == 1  # order matters
    if stalls == (100, 100):  # one beat per cycle out
        assert np.all(np.diff(result.out_cycles.astype(np.int64)) == 1)


def test_a_flipped_input_bit_is_caught_in_every_copy(tmp_path):
    """The comparison can fail: one bit flipped in one pixel's stream differs from the reference
    in exactly that element of both copies (the pass-through and the replay)."""
    simd, bits, channels, repeats = 2, 8, 8, 2
    pixels = np.random.default_rng(9).integers(0, 1 << bits, (5, channels))
    flipped = pixels.copy()
    flipped[3, 5] ^= 1 << 6
    binary = vl.build(SOURCES, "bcnn_repeat", dict(SIMD=simd, BITS=bits, FOLDS=channels // simd, REPEATS=repeats))
    result = vl.run(binary, tmp_path, vl.pack(flipped.reshape(-1, simd), bits), simd * bits,
                    len(pixels) * repeats * channels // simd, valid_percent=100, ready_percent=100, seed=2)
    got = vl.unpack(result.out_words, bits, simd, signed=False).reshape(len(pixels), repeats * channels)
    wrong = np.argwhere(got != np.tile(pixels, (1, repeats)))
    assert wrong.tolist() == [[3, 5], [3, 5 + channels]]
