"""Fully connected BNNs of the BNN-PYNQ family: TFC, SFC, LFC (3 hidden layers each)."""
import math

import torch
from brevitas.nn import QuantIdentity, QuantLinear
from torch import nn

from ..layers import ScalarNorm
from ..quantizers import ActQuant, WeightQuant

HIDDEN = {"tfc": (64, 64, 64), "sfc": (256, 256, 256), "lfc": (1024, 1024, 1024)}
DROPOUT = 0.2


class FC(nn.Module):
    """Input quantizer, then (QuantLinear -> BatchNorm -> QuantIdentity -> Dropout) per hidden
    width, then a QuantLinear classifier and a ScalarNorm.

    Takes images in [0, 1] of shape (N, *in_shape); centres them to [-1, 1] before the input
    quantizer, so a 1- or 2-bit input layer sees sign-balanced values.
    """

    def __init__(self, hidden, weight_bits, act_bits, in_bits, num_classes=10, in_shape=(1, 28, 28)):
        super().__init__()
        self.in_shape = tuple(in_shape)
        self.input_quant = QuantIdentity(act_quant=ActQuant, bit_width=in_bits)
        layers, width = [], math.prod(in_shape)
        for out in hidden:
            layers += [
                QuantLinear(width, out, bias=False, weight_quant=WeightQuant, weight_bit_width=weight_bits),
                nn.BatchNorm1d(out),
                QuantIdentity(act_quant=ActQuant, bit_width=act_bits),
                nn.Dropout(DROPOUT),
            ]
            width = out
        layers += [
            QuantLinear(width, num_classes, bias=False, weight_quant=WeightQuant, weight_bit_width=weight_bits),
            ScalarNorm(),
        ]
        self.layers = nn.Sequential(*layers)
        for m in self.modules():
            if isinstance(m, QuantLinear):
                nn.init.uniform_(m.weight, -1.0, 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.input_quant(2.0 * x.flatten(1) - 1.0)
        return self.layers(x)
