"""DGRL's Squeeze-and-Interaction (SI) shortcut (Ye, Zhang, Wang 2020), written from the paper's idea.

Beside a residual block: sum-pool the block input (exact: a power-of-two rescale, no division),
then binary FC -> BN -> sign -> binary FC -> BN on the integer shortcut grid, broadcast-added to
the block's output. With a reduction of 2 it costs C^2 weights against the 9 C^2 of the 3x3
convolution (~11 %). The distillation that trains it is models/methods/dgrl.py.
"""
import math

import torch
from torch import nn

from .parts import Parts, act, linear, shortcut_quant

SI_REDUCTION = 2


class SqueezeInteraction(nn.Module):
    def __init__(self, parts: Parts, cin: int, cout: int, reduction: int = SI_REDUCTION):
        super().__init__()
        hidden = max(cout // reduction, 1)
        self.squeeze_quant = shortcut_quant(parts)
        self.interact = nn.Sequential(act(parts), linear(parts, cin, hidden), nn.BatchNorm1d(hidden),
                                      act(parts), linear(parts, hidden, cout), nn.BatchNorm1d(cout),
                                      shortcut_quant(parts))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = x.sum((2, 3)) * 2.0 ** -round(math.log2(x.shape[2] * x.shape[3]))
        return self.interact(self.squeeze_quant(pooled))[:, :, None, None]
