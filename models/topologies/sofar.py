"""SoFAr shortcut-based fractal BCNNs (Zhang et al.), small variants for 28x28 inputs.

Fractal expansion with C columns: f_1(z) = U(z); f_{C+1}(z) = join(U(z), f_C(f_C(z))), so the
deepest column has 2^(C-1) units.
- RF-ResNet: U is a Bi-Real residual unit; join is the mean of the two paths on the integer grid.
- DRF-DenseNet: column c chains 2^(c-1) units of `growth` channels, each seeing the concatenation
  of the block input and the column's earlier units (dense connections); the block outputs the
  concatenation of its input and every column's last features.
Without shortcuts (the STE ablation) units have no identity shortcut and DRF has no dense
connections: a plain binary FractalNet.
"""
import torch
from torch import nn

from ..blocks.parts import Parts, conv, shortcut_quant
from ..blocks.units import BinaryUnit, match_channels
from .backbone import ConvBackbone

RF_STAGES = ((16, 2), (32, 2))  # (channels, fractal columns) per stage
DRF_STAGES = ((8, 2), (8, 2))  # (growth, fractal columns) per stage
DRF_STEM = 16


def _unit(parts: Parts, cin: int, cout: int) -> BinaryUnit:
    return BinaryUnit(parts, conv(parts, cin, cout), nn.BatchNorm2d(cout), shortcut=parts.shortcut and cin == cout,
                      grid_output=True)


class FractalBlock(nn.Module):
    def __init__(self, parts: Parts, channels: int, columns: int):
        super().__init__()
        self.unit = _unit(parts, channels, channels)
        self.deep = None
        if columns > 1:
            self.deep = nn.Sequential(FractalBlock(parts, channels, columns - 1),
                                      FractalBlock(parts, channels, columns - 1))
            self.join = shortcut_quant(parts)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        short = self.unit(x)
        if self.deep is None:
            return short
        return self.join(0.5 * (short + self.deep(x)))


class _Widen(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.channels = channels

    def forward(self, x):
        return match_channels(x, self.channels)


class RFResNet(ConvBackbone):
    def __init__(self, parts=Parts(), num_classes=10, in_shape=(1, 28, 28), stages=RF_STAGES):
        super().__init__(parts, in_shape, stages[0][0], len(stages))
        self.stages = nn.ModuleList(nn.Sequential(_Widen(channels), FractalBlock(parts, channels, columns))
                                    for channels, columns in stages)
        self.finish(parts, stages[-1][0], num_classes)


class DenseFractalBlock(nn.Module):
    def __init__(self, parts: Parts, cin: int, growth: int, columns: int):
        super().__init__()
        self.dense = parts.shortcut
        cols = []
        for c in range(columns):
            units = [_unit(parts, (cin + j * growth) if self.dense else (cin if j == 0 else growth), growth)
                     for j in range(2 ** c)]
            cols.append(nn.ModuleList(units))
        self.columns = nn.ModuleList(cols)
        self.out_channels = (cin if self.dense else 0) + columns * growth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [x] if self.dense else []
        for column in self.columns:
            feats = [x]
            for unit in column:
                feats.append(unit(torch.cat(feats, 1) if self.dense else feats[-1]))
            outs.append(feats[-1])
        return torch.cat(outs, 1)


class DRFDenseNet(ConvBackbone):
    def __init__(self, parts=Parts(), num_classes=10, in_shape=(1, 28, 28), stages=DRF_STAGES, stem=DRF_STEM):
        super().__init__(parts, in_shape, stem, len(stages))
        blocks, channels = [], stem
        for growth, columns in stages:
            blocks.append(DenseFractalBlock(parts, channels, growth, columns))
            channels = blocks[-1].out_channels
        self.stages = nn.ModuleList(blocks)
        self.finish(parts, channels, num_classes)
