"""bcnn_maxpool against numpy: windows streamed channel-fold outer, random stalls, signedness."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root


def stream_order(windows, pe):
    """(pixels, K2, C) windows -> beats of PE elements: per pixel, per channel group, K2 beats."""
    pixels, k2, channels = windows.shape
    return windows.reshape(pixels, k2, channels // pe, pe).transpose(0, 2, 1, 3).reshape(-1, pe)


@pytest.mark.parametrize("channels, pe, k2, bits, signed", [(8, 2, 4, 2, True), (6, 6, 9, 3, False), (4, 1, 1, 4, True)])
@pytest.mark.parametrize("stalls", [(100, 100), (50, 40)])
def test_maxpool_matches_numpy(channels, pe, k2, bits, signed, stalls, tmp_path):
    params = dict(CHANNELS=channels, PE=pe, K2=k2, BITS=bits, SIGNED=signed)
    binary = vl.build([source_root() / "window_fold" / "bcnn_window_fold.sv", source_root() / "maxpool" / "bcnn_maxpool.sv"], "bcnn_maxpool", params)
    rng = np.random.default_rng(channels * k2)
    windows = vl.random_elements(rng, bits, signed, (12, k2, channels))
    result = vl.run(binary, tmp_path, vl.pack(stream_order(windows, pe), bits), pe * bits,
                    12 * channels // pe, *stalls, seed=5)
    got = vl.unpack(result.out_words, bits, pe, signed=signed).reshape(12, channels)
    np.testing.assert_array_equal(got, windows.max(axis=1))
    if stalls == (100, 100):
        assert result.cycles <= 12 * k2 * channels // pe + 3
