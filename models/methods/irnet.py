"""IR-Net (Qin et al., CVPR 2020) building blocks: Libra-PB weight binarization and the Error
Decay Estimator (EDE). Written from the paper's equations.

Libra-PB: per output channel, centre and standardize the latent weights (so the binary weights
are balanced, maximizing their information entropy), binarize with sign, and scale by a power of
two 2^s, s = round(log2(mean |w_std|)), so hardware applies the scale as a shift.

EDE: the backward pass of sign uses g(x) = k * tanh(t * x), i.e. dg/dx = k * t * (1 - tanh(t x)^2),
with t annealed from T_MIN to T_MAX over training and k = max(1/t, 1).
"""
import math

import torch

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
