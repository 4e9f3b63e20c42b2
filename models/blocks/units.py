"""The binary unit every topology is built from: activation -> binary layer -> BatchNorm.

A padded convolution of binary activations pads with -1 (layers.PadBinary), which hardware
streams exactly; zero padding would need a third input value.

With a shortcut (Bi-Real) the unit adds its input back, both operands on the ShortcutQuant
integer grid, so the residual stays real-valued (8-bit) while the layer itself stays binary. A
unit that changes the map's shape adds a `downsample` of its input instead (ResNet option B: a
strided binary 1x1 convolution and its BatchNorm, on the same grid). `pad_binary=False` keeps a
binary convolution's zero padding, as the seeds' papers write it (the flow streams it exactly:
build_flows/transformation/zero_padding.py).
With fractional activations (FracBNN) the activation is split into a binary MSB and LSB pass
(see blocks/fracbnn.py). A Tap marks the unit's output for block-wise distillation.
"""
import torch
from torch import nn

from .fracbnn import FractionalActivation, GatedLsb
from .layers import PadBinary
from .parts import Parts, Tap, act, shortcut_quant


class BinaryUnit(nn.Module):
    def __init__(self, parts: Parts, layer: nn.Module, norm: nn.Module, *, quantize_input=True, binary_input=None,
                 shortcut=False, act_bits=1, dropout=0.0, grid_output=False, si: nn.Module | None = None,
                 downsample: nn.Module | None = None, pad_binary=True):
        """`binary_input`: the input is +-1 (default: when the unit quantizes it itself; a
        thermometer code is binary already), so a padded convolution pads it with -1."""
        super().__init__()
        self.fractional = parts.fractional and quantize_input
        if self.fractional:
            self.act = FractionalActivation(parts)
            self.gate = GatedLsb(norm)
        else:
            self.act = act(parts, act_bits) if quantize_input else nn.Identity()
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.pad = nn.Identity()
        binary_input = quantize_input if binary_input is None else binary_input
        if pad_binary and binary_input and isinstance(layer, nn.Conv2d) and any(layer.padding):
            self.pad, layer.padding = PadBinary(layer.padding), (0, 0)  # a binary input's border: -1
        self.layer, self.norm, self.si = layer, norm, si
        self.shortcut, self.downsample = shortcut, downsample
        if shortcut:
            self.branch_quant = shortcut_quant(parts)
        # a shortcut's sum, or an output a later shortcut adds, lives on the integer grid
        self.out_quant = shortcut_quant(parts) if shortcut or grid_output else nn.Identity()
        self.tap = Tap()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.fractional:
            msb, lsb = self.act(x)
            y = self.gate(self.layer(self.dropout(self.pad(msb))), self.layer(self.dropout(self.pad(lsb))))
        else:
            y = self.layer(self.dropout(self.pad(self.act(x))))
        y = self.norm(y)
        if self.shortcut:
            y = self.branch_quant(y) + (self.downsample(x) if self.downsample is not None
                                        else match_channels(x, y.shape[1]))
            if self.si is not None:
                y = y + self.si(x)
        return self.tap(self.out_quant(y))


def match_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """The identity shortcut; a wider output repeats the input's channels (exact, no weights)."""
    if x.shape[1] == channels:
        return x
    if channels % x.shape[1]:
        raise ValueError(f"a shortcut cannot widen {x.shape[1]} channels to {channels}")
    # repeat (ONNX Tile), not cat([x, x]): qonnx's tensor renaming mishandles a node that
    # takes one tensor twice
    return x.repeat(1, channels // x.shape[1], *([1] * (x.dim() - 2)))
