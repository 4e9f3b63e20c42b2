"""FracBNN (Zhang et al., FPGA 2021) building blocks, written from the paper's description.

Fractional activations: a 2-bit activation x2 = msb + lsb/2 with msb, lsb in {-1, +1} (levels
+-0.5, +-1.5, thresholds -1, 0, 1). A layer computes W.msb (binary, always) and adds W.lsb / 2
only where the MSB result, after BatchNorm, is within `delta` of the next sign's threshold: the
gate. A regularizer, weight * (rate - target)^2 per gated layer, steers the gate rate to a budget
of LSB work (a plain penalty on the rate drove it to 0 within 3 epochs); delta is learned.

Thermometer encoding: each 8-bit input channel becomes N binary channels, +1 where the pixel
exceeds each of N evenly spaced thresholds, so the first layer is binary too. The training hook
(the regularizer's weight, the gate rate metric) is models/methods/fracbnn.py.
"""
import torch
import torch.nn.functional as F
from torch import nn

from .parts import Parts, act

GATE_DELTA_INIT = 0.5
GATE_SOFTNESS = 0.1
GATE_TARGET = 0.1  # the gate rate (fraction of outputs that get the LSB pass) the regularizer steers to


class Thermometer(nn.Module):
    """(N, C, H, W) pixels in [0, 1] -> (N, C * levels, H, W) in {-1, +1}, channel-major.

    Thresholds sit halfway between 8-bit codes, so p / 255 compares identically in float32
    everywhere (torch, QONNX execution) and the code is exact for integer pixels.
    """

    def __init__(self, levels: int):
        super().__init__()
        if levels < 1:
            raise ValueError(f"thermometer levels must be at least 1, got {levels}")
        self.levels = levels
        codes = torch.round(torch.arange(1, levels + 1) * 256.0 / (levels + 1)) - 0.5
        self.register_buffer("thresholds", (codes / 255.0).reshape(1, 1, levels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bits = (x.unsqueeze(2) > self.thresholds).to(x.dtype)
        return (2.0 * bits - 1.0).flatten(1, 2)


class FractionalActivation(nn.Module):
    """x -> (msb, lsb), both binary; msb + lsb / 2 is x quantized to 2 bits."""

    def __init__(self, parts: Parts):
        super().__init__()
        self.msb, self.lsb = act(parts), act(parts)

    def forward(self, x: torch.Tensor):
        msb = self.msb(x)
        return msb, self.lsb(x - msb)


class GatedLsb(nn.Module):
    """y_msb + gate * y_lsb / 2, gate = |BN(y_msb)| < delta using BN's running statistics.

    Training uses a straight-through gate (hard forward, sigmoid backward) so both delta and
    the regularizer's pressure reach the weights; `soft_rate` is what the regularizer sees.
    """

    def __init__(self, norm: nn.Module):
        super().__init__()
        self.norm = [norm]  # a list, so the BatchNorm is not registered twice
        self.delta = nn.Parameter(torch.tensor(GATE_DELTA_INIT))
        self.soft_rate = torch.tensor(0.0)
        self.rate = 0.0

    def forward(self, y_msb: torch.Tensor, y_lsb: torch.Tensor) -> torch.Tensor:
        bn = self.norm[0]
        z = F.batch_norm(y_msb, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
        hard = (torch.abs(z) < self.delta).to(y_msb.dtype)
        if self.training:
            soft = torch.sigmoid((self.delta - torch.abs(z)) / GATE_SOFTNESS)
            self.soft_rate, self.rate = soft.mean(), float(hard.mean())
            gate = hard + soft - soft.detach()
        else:
            gate = hard
        return y_msb + 0.5 * gate * y_lsb


def gates(model: nn.Module) -> list:
    return [m for m in model.modules() if isinstance(m, GatedLsb)]


def gate_rate(model: nn.Module) -> float:
    """Mean fraction of LSB work done in the last training batch (0 when the model has no gates)."""
    g = gates(model)
    return sum(m.rate for m in g) / len(g) if g else 0.0


def gate_regularizer(model: nn.Module, target: float = GATE_TARGET) -> torch.Tensor:
    g = gates(model)
    return sum((m.soft_rate - target) ** 2 for m in g) / len(g) if g else torch.tensor(0.0)
