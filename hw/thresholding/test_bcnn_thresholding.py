"""bcnn_thresholding against numpy: per-channel sorted thresholds (clipped, padded and odd counts),
one set shared by every channel (stored once), signed and unsigned inputs, random stalls, one beat
per cycle when unstalled."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root
from hw.memfiles import search_stages, write_search_thresholds

SOURCES = [source_root() / "memory" / "bcnn_rom.sv", source_root() / "thresholding" / "bcnn_thresholding.sv"]

# name: (CHANNELS, PE, IN_BITS, IN_SIGNED, N_THRES, OUT_BITS, ACT_VAL, style or the first block RAM stage)
CONFIGS = {
    "binary_out_wide_pe": (12, 6, 8, False, 1, 1, 0, "distributed"),
    "two_bit_signed": (6, 2, 5, True, 3, 2, -2, "block"),
    "pixel_identity_255": (3, 1, 8, False, 255, 8, -128, "block"),
    "ternary_odd_count": (4, 4, 6, True, 2, 2, -1, "distributed"),
    "one_channel": (1, 1, 4, False, 5, 3, 0, "distributed"),
    "deep_stages_in_block_ram": (8, 2, 9, True, 255, 8, -128, "from stage 5"),  # stages 0-4 in LUTs
    "shared_by_every_channel": (12, 3, 9, True, 255, 8, -128, "shared"),  # one set, stored once per lane
}


def reference(x, thresholds, act_val):
    """x (pixels, C), thresholds (C, T) -> act_val + count of thresholds each x reaches."""
    return act_val + (x[:, :, None] >= thresholds[None]).sum(-1)


@pytest.mark.parametrize("name", CONFIGS)
@pytest.mark.parametrize("stalls", [(100, 100), (55, 45)], ids=["full_rate", "random_stalls"])
def test_thresholding_matches_numpy(name, stalls, tmp_path):
    channels, pe, in_bits, signed, n, out_bits, act_val, style = CONFIGS[name]
    rng = np.random.default_rng(list(CONFIGS).index(name))
    x = vl.random_elements(rng, in_bits, signed, (30, channels))
    low, high = int(x.min()), int(x.max())
    # distinct thresholds per channel, some outside the input range (clipped by the writer)
    thresholds = np.sort(rng.integers(low - 3, high + 4, (channels, n)), axis=1)
    if name == "pixel_identity_255":
        thresholds = np.tile(np.arange(1, 256), (channels, 1))
    if style == "shared":
        thresholds = np.tile(thresholds[:1], (channels, 1))
    stored = thresholds[:pe] if style == "shared" else thresholds  # a shared set: one channel fold's rows
    write_search_thresholds(str(tmp_path / "thr_"), stored, pe, in_bits, signed)
    params = dict(CHANNELS=channels, PE=pe, IN_BITS=in_bits, IN_SIGNED=signed, STAGES=search_stages(n),
                  OUT_BITS=out_bits, ACT_VAL=act_val, THRESH_PREFIX="thr_", THRESH_STYLE=style)
    if style.startswith("from stage"):
        params.update(THRESH_STYLE="distributed", BLOCK_FROM=int(style.split()[-1]))
    if style == "shared":
        params.update(THRESH_STYLE="distributed", MEM_FOLDS=1)
    binary = vl.build(SOURCES, "bcnn_thresholding", params)
    beats = x.reshape(-1, pe)
    result = vl.run(binary, tmp_path, vl.pack(beats, in_bits), pe * out_bits, len(beats), *stalls, seed=13)
    got = vl.unpack(result.out_words, out_bits, pe, signed=act_val < 0).reshape(x.shape)
    np.testing.assert_array_equal(got, reference(x, thresholds, act_val))
    if stalls == (100, 100):
        assert np.all(np.diff(result.out_cycles) == 1)


def test_unsorted_thresholds_are_refused(tmp_path):
    with pytest.raises(ValueError, match="sorted"):
        write_search_thresholds(str(tmp_path / "t_"), np.array([[3, 1]]), 1, 4, False)
