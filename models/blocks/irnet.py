"""IR-Net (Qin et al., CVPR 2020) building blocks: Libra-PB weight binarization and the Error
Decay Estimator (EDE). Written from the paper's equations. The training hook that anneals EDE
is models/methods/irnet.py.

Libra-PB: per output channel, centre and standardize the latent weights (so the binary weights
are balanced, maximizing their information entropy), binarize with sign, and scale by a power of
two 2^s, s = round(log2(mean |w_std|)), so hardware applies the scale as a shift.

EDE: the backward pass of sign uses g(x) = k * tanh(t * x), i.e. dg/dx = k * t * (1 - tanh(t x)^2),
with t annealed from T_MIN to T_MAX over training and k = max(1/t, 1).
"""
import math

import torch
from brevitas.core.bit_width import BitWidthConst
from brevitas.core.utils import StatelessBuffer
from torch import nn
from torch.nn.utils import parametrize

from ..quantizers import ActQuant, WeightQuant

T_MIN, T_MAX = 0.1, 10.0


def ede_parameters(progress: float) -> tuple:
    """(t, k) at training progress in [0, 1]: t = T_min * 10^(progress * log10(T_max / T_min))."""
    progress = min(max(progress, 0.0), 1.0)
    t = T_MIN * 10 ** (progress * math.log10(T_MAX / T_MIN))
    return t, max(1.0 / t, 1.0)


def sign(x: torch.Tensor) -> torch.Tensor:
    """sign with sign(0) = +1, so every binary value is +-1 (as a bipolar quantizer stores it)."""
    return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))


class EDESign(torch.autograd.Function):
    """sign(x) forward; k * t * (1 - tanh(t x)^2) times the incoming gradient backward."""

    @staticmethod
    def forward(ctx, x, t: float, k: float):
        ctx.save_for_backward(x)
        ctx.t, ctx.k = t, k
        return sign(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.k * ctx.t * (1 - torch.tanh(ctx.t * x) ** 2), None, None


def libra_pb_standardize(w: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Per output channel (dim 0): zero mean, unit standard deviation."""
    flat = w.reshape(w.shape[0], -1)
    centred = flat - flat.mean(dim=1, keepdim=True)
    return (centred / (centred.std(dim=1, keepdim=True) + eps)).reshape(w.shape)


def libra_pb_shift(w_std: torch.Tensor) -> torch.Tensor:
    """Per output channel power-of-two exponent s = round(log2(mean |w_std|))."""
    mean_abs = w_std.reshape(w_std.shape[0], -1).abs().mean(dim=1)
    return torch.round(torch.log2(mean_abs))


def libra_pb_binarize(w: torch.Tensor, t: float = 1.0, k: float = 1.0) -> torch.Tensor:
    """Binary weights sign(w_std) * 2^s, per output channel; gradients through EDE(t, k)."""
    w_std = libra_pb_standardize(w)
    scale = torch.pow(2.0, libra_pb_shift(w_std.detach())).reshape(-1, *([1] * (w.dim() - 1)))
    return EDESign.apply(w_std, t, k) * scale


class EDEBinaryQuant(nn.Module):
    """Brevitas tensor quantizer for IR-Net: sign forward, EDE backward.

    With `per_channel_shift` (weights) the scale is Libra-PB's 2^s per output channel of the
    (already standardized) weight; otherwise (activations) it is 1. Exported as QONNX
    BipolarQuant with that scale, so the hardware sees +-1 and, for weights, a shift.
    """

    def __init__(self, per_channel_shift: bool):
        super().__init__()
        self.per_channel_shift = per_channel_shift
        self.t, self.k = 1.0, 1.0  # set each step by set_ede_progress
        self.bit_width = BitWidthConst(1)
        self.zero_point = StatelessBuffer(torch.tensor(0.0))

    def forward(self, x: torch.Tensor):
        if self.per_channel_shift:
            scale = torch.pow(2.0, libra_pb_shift(x.detach())).reshape(-1, *([1] * (x.dim() - 1)))
        else:
            scale = torch.ones((), device=x.device)
        return EDESign.apply(x, self.t, self.k) * scale, scale, self.zero_point(), self.bit_width()


class LibraPBWeightQuant(WeightQuant):
    """Binary weights sign(w_std) * 2^s; the standardization is a parametrization of the layer's
    weight (see apply_libra_pb), so the exported tensor is w_std and its sign is the hardware's."""

    per_channel_shift = True
    tensor_quant = EDEBinaryQuant


class EDEActQuant(ActQuant):
    """Binary activations with EDE gradients (IR-Net applies EDE to weights and activations)."""

    per_channel_shift = False
    tensor_quant = EDEBinaryQuant


class LibraPBStandardize(nn.Module):
    """Weight parametrization: the layer computes with libra_pb_standardize(latent weight)."""

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return libra_pb_standardize(w)


def apply_libra_pb(model: nn.Module) -> nn.Module:
    """Standardize the weight of every layer whose weight quantizer is Libra-PB's."""
    for m in model.modules():
        tq = getattr(getattr(m, "weight_quant", None), "tensor_quant", None)
        if isinstance(tq, EDEBinaryQuant) and not parametrize.is_parametrized(m, "weight"):
            parametrize.register_parametrization(m, "weight", LibraPBStandardize())
    return model


def set_ede_progress(model: nn.Module, progress: float) -> None:
    t, k = ede_parameters(progress)
    for m in model.modules():
        if isinstance(m, EDEBinaryQuant):
            m.t, m.k = t, k
