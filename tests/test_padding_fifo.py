"""The FIFO in front of a padding layer: while the layer streams the border between two frames
(the bottom rows of one, the top rows of the next) it reads nothing, and whatever its producer
sends meanwhile must find room, or the producer (and through a fork the residual's shortcut) stalls
once per frame. ResNet-20 at 10,000 FPS on the Ultra96-V2 simulated at 1.026x its analytic
cycles without that room, 1.007x with it (bench/seeds_at_scale)."""
import pytest
from onnx import helper

import build_flows  # noqa: F401  (FINN+'s and bcnn's ops)
from build_flows.rtl.shortcut_depth import padding_burst


def padding(h: int, w: int, channels: int, simd: int, pads=(1, 1, 1, 1)):
    return helper.make_node("FMPadding_rtl", ["x"], ["y"], domain="finn.custom_op.fpgadataflow.rtl",
                            backend="fpgadataflow", ImgDim=[h, w], Padding=list(pads), NumChannels=channels,
                            SIMD=simd, inputDataType="BINARY", numInputVectors=1)


def test_resnet20_stage_three_border_by_hand():
    # 8x8x64 padded by 1 at SIMD 1: the border between frames is the bottom row (10 px), the top
    # row (10 px) and the two edge pixels around the wrap: 22 px x 64 channels = 1,408 cycles,
    # while the producer sends 64x64 = 4,096 elements per 24,576-cycle frame: 234.7 of them
    assert padding_burst(padding(8, 8, 64, 1), 24576) == 235


def test_more_lanes_shorten_the_border_and_a_slower_design_sends_less_meanwhile():
    at_one = padding_burst(padding(16, 16, 32, 1), 24576)
    assert at_one == 406  # 38 px x 32 = 1,216 cycles; 8,192 elements per 24,576 cycles
    assert padding_burst(padding(16, 16, 32, 4), 24576) == pytest.approx(at_one / 4, abs=1)
    assert padding_burst(padding(16, 16, 32, 1), 2 * 24576) == pytest.approx(at_one / 2, abs=1)


def test_no_border_no_burst_and_other_layers_none():
    assert padding_burst(padding(8, 8, 64, 1, pads=(0, 0, 0, 0)), 24576) == 0
    other = helper.make_node("StreamingDataWidthConverter_bcnn", ["x"], ["y"], domain="build_flows.custom_op")
    assert padding_burst(other, 24576) == 0

