"""bcnn_mvau with BORDER: the windows of a zero-padded convolution over a binary image, padded
with the code 0, give the zero-padded dot product's thresholds (and raw dot products) exactly,
for symmetric, asymmetric and wide padding, strides and dilation, under random stalls: by per-class
thresholds, and (PAD_COUNT) by counting the padding in the accumulator, with lane groups of one
fold (SIMD dividing the channels) or several (the channels dividing SIMD), even and odd."""
import numpy as np
import pytest

from build_flows.custom_op.border import Border
from build_flows.custom_op.mvau import SOURCES as MVAU_SOURCES, border_params
from build_flows.sim import verilator as vl
from hw import source_root
from hw.memfiles import write_thresholds, write_weights

SOURCES = [source_root() / s for s in MVAU_SOURCES]  # the op's, in compile order

# name: (H, W, C, kernel, stride, dilation, pads [t, l, b, r], MH, PE, SIMD, N_THRES)
CONFIGS = {
    "3x3_pad1": (5, 6, 3, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 4, 2, 9, 1),
    "3x3_pad1_stride2_two_bit_out": (6, 5, 2, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), 3, 3, 2, 3),
    "5x5_pad2": (6, 6, 2, (5, 5), (1, 1), (1, 1), (2, 2, 2, 2), 2, 1, 25, 1),
    "asymmetric_pad_raw": (4, 5, 4, (3, 3), (1, 2), (1, 1), (0, 1, 2, 0), 4, 4, 12, 0),
    "dilated_pad2": (7, 7, 1, (3, 3), (1, 1), (2, 2), (2, 2, 2, 2), 2, 2, 3, 1),
    "one_channel_one_pixel_row": (1, 4, 1, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 1, 1, 1, 1),
    # 9 classes x 128 neuron folds of corrections: a block ROM (MVAU_bcnn.threshold_style beyond 1,024 words)
    "deep_class_rom_raw_block": (4, 4, 4, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 128, 1, 36, 0),
}
# the same, counting the padding (bcnn_mvau's PAD_COUNT)
COUNT_CONFIGS = {
    "count_3x3_pad1": (5, 6, 8, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 4, 2, 4, 1),
    "count_odd_groups_stride2_two_bit_out": (6, 5, 6, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), 3, 3, 3, 3),
    "count_groups_asymmetric_pad_raw": (4, 5, 2, (3, 3), (1, 2), (1, 1), (0, 1, 2, 0), 4, 4, 6, 0),
    "count_odd_groups_dilated_raw": (7, 7, 1, (3, 3), (1, 1), (2, 2), (2, 2, 2, 2), 2, 1, 3, 0),
    "count_5x5_pad2_whole_window": (6, 6, 2, (5, 5), (1, 1), (1, 1), (2, 2, 2, 2), 2, 1, 50, 1),
    "count_one_channel_one_pixel_row": (1, 4, 1, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 1, 1, 1, 1),
    "count_wide_fold_in_chunks": (4, 4, 48, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 2, 1, 48, 1),  # 32 + 16 lanes
    "count_groups_in_chunks": (4, 4, 16, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 2, 1, 144, 1),  # 9 groups of 16, 2 a chunk
    "count_deep_block_rom": (3, 3, 8, (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 64, 1, 1, 1),  # 64 x 72 words: W_REG
}


def windows(image: np.ndarray, border: Border) -> np.ndarray:
    """(H, W, C) codes -> (OH, OW, KH*KW*C) windows padded with the code 0, (ky, kx, c) order."""
    r, c = border.rows, border.cols
    padded = np.pad(image, ((r.pad_begin, r.pad_end), (c.pad_begin, c.pad_end), (0, 0)))
    out = np.empty((r.out, c.out, border.window), np.int64)
    for oy in range(r.out):
        for ox in range(c.out):
            rows = oy * r.stride + np.arange(r.kernel) * r.dilation
            cols = ox * c.stride + np.arange(c.kernel) * c.dilation
            out[oy, ox] = padded[rows][:, cols].reshape(-1)
    return out


@pytest.mark.parametrize("name", [*CONFIGS, *COUNT_CONFIGS])
@pytest.mark.parametrize("stalls", [(100, 100), (55, 50)], ids=["full_rate", "random_stalls"])
def test_border_classes_give_the_zero_padded_layer(name, stalls, tmp_path):
    count = name in COUNT_CONFIGS
    h, w, ch, kernel, stride, dilation, pads, mh, pe, simd, n_thres = {**CONFIGS, **COUNT_CONFIGS}[name]
    rng = np.random.default_rng([*CONFIGS, *COUNT_CONFIGS].index(name))
    border = Border.of((h, w), kernel, stride, dilation, pads, ch)
    frames = 2
    images = rng.integers(0, 2, (frames, h, w, ch))
    x = np.concatenate([windows(im, border) for im in images]).reshape(-1, border.window)
    weights = rng.integers(0, 2, (border.window, mh))  # (MW, MH) codes, as the graph holds them
    dots = np.concatenate([border.zero_padded_dot(windows(im, border), weights) for im in images]).reshape(-1, mh)
    acc_bits = max(4, (2 * border.window + 1).bit_length() + 1)
    bipolar = 2 * weights - 1
    if n_thres:
        dot_thresholds = np.sort(rng.integers(dots.min() - 1, dots.max() + 2, (mh, n_thres)), axis=1)
        if count:
            words = border.count_thresholds(dot_thresholds, simd)
        else:
            words = border.popcount_thresholds(dot_thresholds, bipolar).reshape(-1, n_thres)
        expected = (dots[:, :, None] >= dot_thresholds[None]).sum(-1)
        out_bits = max(1, n_thres.bit_length())
    else:
        acc_bits = (border.window + 1).bit_length() + 1  # the raw output's width: a dot product's
        words = border.corrections(bipolar).reshape(-1, 1)
        expected, out_bits = dots, acc_bits
    params = dict(MW=border.window, MH=mh, PE=pe, SIMD=simd, IN_BITS=1, IN_SIGNED=0, W_BITS=1, W_BIPOLAR=1, XNOR=1,
                  ACC_BITS=acc_bits, N_THRES=n_thres, OUT_BITS=out_bits, ACT_VAL=0, WEIGHT_STYLE="block",
                  THRESH_STYLE="block" if name.endswith("_block") else "distributed",
                  **border_params(border, simd if count else None))
    binary = vl.build(SOURCES, "bcnn_mvau", params)
    write_weights(tmp_path / "weights.hex", weights.T, pe, simd, 1, bipolar=True)
    if n_thres or not count:  # a raw output counting the padding reads no memory
        write_thresholds(tmp_path / "thresholds.hex", words, pe, acc_bits)
    nf = mh // pe
    result = vl.run(binary, tmp_path, vl.pack(x.reshape(-1, simd), 1), pe * out_bits, len(x) * nf,
                    valid_percent=stalls[0], ready_percent=stalls[1], seed=3)
    got = vl.unpack(result.out_words, out_bits, pe, signed=n_thres == 0).reshape(len(x), mh)
    np.testing.assert_array_equal(got, expected)


def test_a_corner_pixel_differs_from_the_interior_and_the_classes_cover_the_border():
    border = Border.of((8, 8), (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 2)
    assert border.classes == 9 and border.class_map()[0, 0] != border.class_map()[4, 4] == 0
    weights = np.ones((border.window, 1), int)  # all +1: a padded position takes 1 off the sum
    assert border.corrections(weights)[border.class_map()[0, 0], 0] == 5 * 2  # 5 padded taps x 2 channels
    codes = np.ones((1, 8, 8, border.window))
    dots = border.zero_padded_dot(codes, np.ones((border.window, 1)))
    assert dots[0, 0, 0, 0] == 4 * 2 and dots[0, 4, 4, 0] == 9 * 2
