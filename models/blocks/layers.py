"""Small layers shared by the topologies."""
import torch
import torch.nn.functional as F
from torch import nn


class PadBinary(nn.Module):
    """Pads a +-1 feature map with -1 (the code 0 of a 1-bit stream), for a binary convolution's
    border. Zero padding has no 1-bit code, and its effect at the border depends on the weights,
    so no threshold can stand in for it; -1 padding streams exactly (FINN+'s padding layer fills
    with code 0)."""

    def __init__(self, padding):
        super().__init__()
        self.padding = tuple(padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ph, pw = self.padding
        return F.pad(x, (pw, pw, ph, ph), value=-1.0)


class ScalarNorm(nn.Module):
    """Batch normalization with one mean/variance for the whole tensor (not per channel).

    Sits after the last (classifier) layer so its logits train at a sensible scale. It exports
    as one scalar Mul and one scalar Add: monotone when the learned gain is positive, so FINN+
    absorbs it into the top-k label select and the hardware output is the class index.
    """

    def __init__(self, eps: float = 1e-4, momentum: float = 0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(1))
        self.bias = nn.Parameter(torch.zeros(1))
        self.register_buffer("running_mean", torch.zeros(1))
        self.register_buffer("running_var", torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            mean, var = x.mean(), x.var(unbiased=False)
            with torch.no_grad():
                self.running_mean.lerp_(mean.detach().reshape(1), self.momentum)
                self.running_var.lerp_(x.var(unbiased=True).detach().reshape(1), self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        gain = self.weight / torch.sqrt(var + self.eps)
        return x * gain + (self.bias - mean * gain)
