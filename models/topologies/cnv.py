"""CNV of the BNN-PYNQ family: six 3x3 valid convolutions with two max pools, three FC layers.

Built from the same Parts as the other topologies (a method's quantizers apply to it); with the
default Parts it is BNN-PYNQ's graph."""
import torch
from torch import nn

from ..blocks.layers import ScalarNorm
from ..blocks.parts import Parts, act, conv, linear, pixel_quant

CONVS = ((64, False), (64, True), (128, False), (128, True), (256, False), (256, False))  # (channels, pool after)
FCS = (512, 512)
KERNEL = 3
POOL = 2


class CNV(nn.Module):
    """Takes images in [0, 1] of shape (N, C, H, W); an 8-bit Q1.7 input quantizer feeds the
    first convolution, every other activation has `act_bits` bits."""

    def __init__(self, weight_bits, act_bits, in_bits=8, num_classes=10, in_shape=(3, 32, 32), parts=Parts()):
        super().__init__()
        self.in_shape = tuple(in_shape)
        channels, side = in_shape[0], in_shape[1]
        self.input_quant = pixel_quant(parts, in_bits)
        convs = []
        for out, pool in CONVS:
            convs += [conv(parts, channels, out, KERNEL, weight_bits, padding=0), nn.BatchNorm2d(out, eps=1e-4),
                      act(parts, act_bits)]
            side -= KERNEL - 1
            if pool:
                convs.append(nn.MaxPool2d(POOL))
                side //= POOL
            channels = out
        if side < 1:
            raise ValueError(f"CNV needs inputs of at least 32x32 pixels, got {in_shape[1]}x{in_shape[2]}")
        fcs, width = [], channels * side * side
        for out in FCS:
            fcs += [linear(parts, width, out, weight_bits), nn.BatchNorm1d(out, eps=1e-4), act(parts, act_bits)]
            width = out
        fcs += [linear(parts, width, num_classes, weight_bits), ScalarNorm()]
        self.convs, self.fcs = nn.Sequential(*convs), nn.Sequential(*fcs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.convs(self.input_quant(2.0 * x - 1.0))
        return self.fcs(x.flatten(1))
