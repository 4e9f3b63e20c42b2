"""Input encoding, stem and classifier head shared by the small convolutional BCNNs.

Stem: the input (8-bit pixels, or a FracBNN thermometer code) through one binary-weight 3x3
convolution and BatchNorm; a thermometer code is padded with -1 (a black pixel's code), which
streams exactly. Head: flatten the 8-bit integer features (as Bi-Real keeps the last
layer's input real-valued), one binary-weight classifier and a ScalarNorm; no average pooling,
so the scores stay integers. A 2x2 max pool follows the stem and separates the stages (28x28
inputs: stages at 14x14 and 7x7, which keeps CPU training of the small variants affordable).
"""
import torch
from torch import nn

from ..blocks.fracbnn import Thermometer
from ..blocks.layers import ScalarNorm
from ..blocks.parts import Parts, act, conv, linear, pixel_quant
from ..blocks.units import BinaryUnit

POOL = 2


class ConvBackbone(nn.Module):
    """Subclasses build `self.stages` (a list of modules) and call `finish`."""

    def __init__(self, parts: Parts, in_shape, stem_channels: int, stages: int):
        super().__init__()
        self.in_shape = tuple(in_shape)
        channels, side = in_shape[0], min(in_shape[1], in_shape[2])
        if side // POOL ** stages < 1:
            raise ValueError(f"needs inputs of at least {POOL ** stages} pixels a side, "
                             f"got {in_shape[1]}x{in_shape[2]}")
        if parts.thermometer:
            self.encode = nn.Sequential(Thermometer(parts.thermometer), act(parts))
            channels *= parts.thermometer
        else:
            self.encode = _Centre(pixel_quant(parts))
        self.stem = BinaryUnit(parts, conv(parts, channels, stem_channels), nn.BatchNorm2d(stem_channels),
                               quantize_input=False, binary_input=bool(parts.thermometer), grid_output=True)
        self.pool = nn.MaxPool2d(POOL)

    def finish(self, parts: Parts, channels: int, num_classes: int) -> None:
        side_h, side_w = (s // POOL ** len(self.stages) for s in self.in_shape[1:])
        self.head = nn.Sequential(nn.Flatten(), linear(parts, channels * side_h * side_w, num_classes), ScalarNorm())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(self.encode(x))
        for stage in self.stages:
            x = stage(self.pool(x))
        return self.head(x)


class _Centre(nn.Module):
    """Pixels in [0, 1] to [-1, 1], then the 8-bit input quantizer."""

    def __init__(self, quant: nn.Module):
        super().__init__()
        self.quant = quant

    def forward(self, x):
        return self.quant(2.0 * x - 1.0)
