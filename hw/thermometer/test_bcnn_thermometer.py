"""bcnn_thermometer against numpy: random 8-bit pixels and thresholds (one above every pixel,
one at 0), random stalls on both streams, and a wrong threshold caught."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root

SOURCES = [source_root() / "thermometer" / "bcnn_thermometer.sv"]
IN_BITS = 8


def packed_thresholds(thresholds) -> int:
    return sum(int(t) << (i * (IN_BITS + 1)) for i, t in enumerate(thresholds))


def encode(binary, pixels, thresholds, pe, stalls, tmp_path):
    result = vl.run(binary, tmp_path, vl.pack(pixels.reshape(-1, pe), IN_BITS), pe * len(thresholds),
                    pixels.size // pe, valid_percent=stalls[0], ready_percent=stalls[1], seed=5)
    return vl.unpack(result.out_words, 1, pe * len(thresholds), signed=False).reshape(pixels.size, len(thresholds))


@pytest.mark.parametrize("pe, levels", [(1, 8), (4, 3), (7, 1)])
@pytest.mark.parametrize("stalls", [(100, 100), (55, 40)], ids=["full_rate", "random_stalls"])
def test_thermometer_matches_numpy(pe, levels, stalls, tmp_path):
    rng = np.random.default_rng(pe)
    thresholds = np.sort(rng.integers(1, 256, levels))
    thresholds[-1] = 256 if levels > 2 else thresholds[-1]  # a level no pixel reaches
    pixels = rng.integers(0, 256, 63 * pe)
    pixels[:2] = (0, 255)
    binary = vl.build(SOURCES, "bcnn_thermometer", dict(PE=pe, LEVELS=levels, THRESHOLDS=packed_thresholds(thresholds)))
    got = encode(binary, pixels, thresholds, pe, stalls, tmp_path)
    np.testing.assert_array_equal(got, pixels[:, None] >= thresholds[None, :])


def test_a_wrong_threshold_is_caught(tmp_path):
    thresholds = np.array([32, 96, 160, 224])
    pixels = np.arange(256)
    wrong = thresholds.copy()
    wrong[2] += 1
    binary = vl.build(SOURCES, "bcnn_thermometer", dict(PE=1, LEVELS=4, THRESHOLDS=packed_thresholds(wrong)))
    got = encode(binary, pixels, thresholds, 1, (100, 100), tmp_path)
    assert (got != (pixels[:, None] >= thresholds[None, :])).sum() == 1  # pixel 160, level 2
