"""What a training method adds to a topology: its quantizers and its structural parts.

A topology is built from a `Parts`; the STE baseline is `Parts()`. Every factory here returns
the float counterpart when `parts.is_float`, so a method's float teacher (DGRL) has exactly the
student's block structure.
"""
from dataclasses import dataclass, replace

from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear
from torch import nn

from ..quantizers import ActQuant, PixelQuant, ShortcutQuant, WeightQuant

SHORTCUT_BITS = 8


@dataclass(frozen=True)
class Parts:
    weight_quant: type | None = WeightQuant  # None: float weights (a teacher)
    act_quant: type | None = ActQuant  # None: float activations (Hardtanh)
    shortcut: bool = False  # Bi-Real: integer shortcut around every binary layer of equal shape
    si: bool = False  # DGRL: a Squeeze-and-Interaction branch beside every residual block
    fractional: bool = False  # FracBNN: 2-bit activations as a binary MSB pass + gated LSB pass
    thermometer: int = 0  # FracBNN: binary channels per input channel (0: 8-bit pixel input)

    @property
    def is_float(self) -> bool:
        return self.weight_quant is None

    def as_float(self) -> "Parts":
        """The same structure with float weights and activations (a distillation teacher)."""
        return replace(self, weight_quant=None, act_quant=None, fractional=False)


class Tap(nn.Identity):
    """Marks a block output: the feature map block-wise distillation compares."""


def taps(model: nn.Module) -> list:
    return [m for m in model.modules() if isinstance(m, Tap)]


def act(parts: Parts, bits: int = 1) -> nn.Module:
    if parts.act_quant is None:
        return nn.Hardtanh()
    return QuantIdentity(act_quant=parts.act_quant, bit_width=bits)


def pixel_quant(parts: Parts, bits: int = 8) -> nn.Module:
    return nn.Identity() if parts.is_float else QuantIdentity(act_quant=PixelQuant, bit_width=bits)


def shortcut_quant(parts: Parts) -> nn.Module:
    return nn.Identity() if parts.is_float else QuantIdentity(act_quant=ShortcutQuant, bit_width=SHORTCUT_BITS)


def linear(parts: Parts, cin: int, cout: int, bits: int = 1) -> nn.Module:
    if parts.is_float:
        return nn.Linear(cin, cout, bias=False)
    layer = QuantLinear(cin, cout, bias=False, weight_quant=parts.weight_quant, weight_bit_width=bits)
    nn.init.uniform_(layer.weight, -1.0, 1.0)
    return layer


def conv(parts: Parts, cin: int, cout: int, kernel: int = 3, bits: int = 1, padding: int | None = None,
         stride: int = 1) -> nn.Module:
    """A convolution, `same` padded unless `padding` says otherwise (CNV's are valid: 0)."""
    padding = kernel // 2 if padding is None else padding
    if parts.is_float:
        return nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False)
    layer = QuantConv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False, weight_quant=parts.weight_quant,
                        weight_bit_width=bits)
    nn.init.uniform_(layer.weight, -1.0, 1.0)
    return layer
