"""bcnn_concat against numpy: every pixel's channels arrive on INPUTS streams (each serialized and
stalled at random on its own) and leave concatenated, input 0's beats first; random stalls at the
ends too. A concat that takes one beat from the wrong input is caught (checked on a mutated
reference). Its rate is checked at system level (tests/test_dense_hardware.py)."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root

SOURCES = [source_root() / f for f in ("fork/bcnn_fork.sv", "dwc/bcnn_dwc.sv", "concat/bcnn_concat.sv",
                                       "concat/tb_bcnn_concat.sv")]


def folds_param(folds) -> int:
    return sum(f << (16 * i) for i, f in enumerate(folds))


def run(tmp_path, width, folds, stalls, pixels=40, seed=0):
    rng = np.random.default_rng(seed)
    beats = rng.integers(0, 1 << width, (pixels, sum(folds)))
    params = dict(WIDTH=width, INPUTS=len(folds), FOLDS=folds_param(folds), TOTAL=sum(folds))
    binary = vl.build(SOURCES, "tb_bcnn_concat", params)
    result = vl.run(binary, tmp_path, vl.pack(beats, width), width, beats.size, *stalls, seed=seed + 3)
    return vl.unpack(result.out_words, width, 1, signed=False).reshape(pixels, -1), beats, result


@pytest.mark.parametrize("width, folds", [(8, (2, 1)), (16, (2, 3, 1)), (1, (4, 4, 2, 1)), (5, (3,))])
@pytest.mark.parametrize("stalls", [(100, 100), (55, 40)], ids=["full_rate", "random_stalls"])
def test_concat_matches_numpy(width, folds, stalls, tmp_path):
    got, want, _ = run(tmp_path, width, folds, stalls)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("stalls", [(100, 100), (55, 40)], ids=["full_rate", "random_stalls"])
def test_bipolar_codes_leave_as_two_bit_values(stalls, tmp_path):
    """BIPOLAR_IN: each input bit (a +-1 code) leaves as a 2-bit signed -1 or +1."""
    width, folds, pixels = 3, (2, 1), 30
    rng = np.random.default_rng(4)
    beats = rng.integers(0, 1 << width, (pixels, sum(folds)))
    params = dict(WIDTH=width, INPUTS=len(folds), FOLDS=folds_param(folds), TOTAL=sum(folds), BIPOLAR_IN=1)
    binary = vl.build(SOURCES, "tb_bcnn_concat", params)
    result = vl.run(binary, tmp_path, vl.pack(beats, width), 2 * width, beats.size, *stalls, seed=9)
    got = vl.unpack(result.out_words, 2, width, signed=True).reshape(pixels, -1)
    codes = (beats[:, :, None] >> np.arange(width)) & 1  # (pixel, beat, element)
    np.testing.assert_array_equal(got, (2 * codes - 1).reshape(pixels, -1))


def test_a_beat_from_the_wrong_input_is_caught(tmp_path):
    """The comparison can fail: the reference with input 1's first beat swapped for input 0's
    last differs from what the module streams."""
    got, want, _ = run(tmp_path, 8, (2, 1), (100, 100))
    mutated = want.copy()
    mutated[7, [1, 2]] = mutated[7, [2, 1]]
    assert not np.array_equal(got, mutated) and np.array_equal(got, want)
