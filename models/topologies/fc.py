"""Fully connected BNNs of the BNN-PYNQ family: TFC, SFC, LFC (3 hidden layers each).

With the default Parts this is BNN-PYNQ's graph: input quantizer, then per hidden width
QuantLinear -> BatchNorm -> QuantIdentity -> Dropout, then a QuantLinear classifier and a
ScalarNorm. Methods may swap the quantizers (IR-Net), add integer shortcuts between hidden layers
of equal width (Bi-Real), make hidden activations fractional or the input a thermometer code
(FracBNN); every hidden layer's output is a distillation tap (DGRL).
"""
import math

import torch
from torch import nn

from ..blocks.fracbnn import Thermometer
from ..blocks.layers import ScalarNorm
from ..blocks.parts import Parts, act, linear
from ..blocks.units import BinaryUnit

HIDDEN = {"tfc": (64, 64, 64), "sfc": (256, 256, 256), "lfc": (1024, 1024, 1024)}
DROPOUT = 0.2


class FC(nn.Module):
    """Takes images in [0, 1] of shape (N, *in_shape); centres them to [-1, 1] before the input
    quantizer, so a 1- or 2-bit input layer sees sign-balanced values."""

    def __init__(self, hidden, weight_bits, act_bits, in_bits, num_classes=10, in_shape=(1, 28, 28), parts=Parts()):
        super().__init__()
        if parts.si:
            raise ValueError("Squeeze-and-Interaction shortcuts need a convolutional model")
        self.in_shape = tuple(in_shape)
        width = math.prod(in_shape)
        self.thermometer = Thermometer(parts.thermometer) if parts.thermometer else None
        if self.thermometer is not None:
            in_bits, width = 1, width * parts.thermometer
        self.input_quant = act(parts, in_bits)
        units = []
        for i, out in enumerate(hidden):
            units.append(BinaryUnit(parts, linear(parts, width, out, weight_bits), nn.BatchNorm1d(out),
                                    quantize_input=i > 0, act_bits=act_bits, dropout=DROPOUT if i else 0.0,
                                    shortcut=parts.shortcut and i > 0 and width == out,
                                    grid_output=parts.shortcut))
            width = out
        self.units = nn.Sequential(*units)
        self.head = nn.Sequential(act(parts, act_bits), nn.Dropout(DROPOUT),
                                  linear(parts, width, num_classes, weight_bits), ScalarNorm())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.thermometer is not None:
            x = self.input_quant(self.thermometer(x).flatten(1))
        else:
            x = self.input_quant(2.0 * x.flatten(1) - 1.0)
        return self.head(self.units(x))
