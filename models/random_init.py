"""Freshly initialised models whose every channel computes something different.

With PyTorch's default batch-norm statistics (mean 0, variance 1, gain 1, bias 0) every channel of
a binary layer gets the same threshold, and an exported random model has one distinct threshold
per layer: errors in threshold order or in the mapping of thresholds to channels cannot show.
Here every batch norm gets per-channel statistics and affine parameters drawn around the values
it actually sees on random pixel inputs, so thresholds differ per channel and lie where inputs
reach them (outputs of either sign, every level of a few-bit activation used), and the final
ScalarNorm gets a non-trivial positive gain and offset."""
import torch
from torch import nn

from .blocks.layers import ScalarNorm
from .registry import build_model

CALIBRATION_SAMPLES = 32
# A norm whose input hardly varies over the calibration samples (DGRL's SI stage sees one pooled
# vector per image, nearly equal for noise images) would get its thresholds within 1e-3 of an
# integer input value: so close that float32 cannot hold them once a bias of 16 is absorbed
# (4.000001 + 16 rounds to 20), a hazard of the test model, not of trained ones. Such a norm draws
# around a spread of half an input step (binary dot products move in steps of 2) instead.
DEGENERATE_STD, FLOOR_STD = 1e-2, 0.5


def _inputs(in_shape, generator: torch.Generator) -> torch.Tensor:
    pixels = torch.randint(0, 256, (CALIBRATION_SAMPLES, *in_shape), generator=generator)
    return pixels.float() / 255.0


def _seen_by(model: nn.Module, module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    seen = {}
    handle = module.register_forward_hook(lambda m, args, out: seen.setdefault("x", args[0].detach()))
    try:
        with torch.no_grad():
            model(x)
    finally:
        handle.remove()
    return seen["x"]


def _uniform(shape, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape, generator=generator)


def randomize_norms(model: nn.Module, in_shape, seed: int = 0) -> nn.Module:
    """Draw every norm's statistics (in module order, each seeing the earlier ones' effect)."""
    generator = torch.Generator().manual_seed(seed)
    model.eval()
    x = _inputs(in_shape, generator)
    for norm in [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, ScalarNorm))]:
        seen = _seen_by(model, norm, x)
        if isinstance(norm, ScalarNorm):
            mean, std = seen.mean().reshape(1), seen.std().reshape(1) + 1e-3
        else:
            dims = [d for d in range(seen.dim()) if d != 1]
            mean, std = seen.mean(dims), seen.std(dims)
            std = torch.where(std < DEGENERATE_STD, torch.full_like(std, FLOOR_STD), std + 1e-3)
        channels = mean.shape[0]
        with torch.no_grad():
            norm.running_mean.copy_(mean + std * _uniform(channels, -0.6, 0.6, generator))
            norm.running_var.copy_((std * _uniform(channels, 0.5, 2.0, generator)) ** 2)
            norm.weight.copy_(_uniform(channels, 0.5, 2.0, generator))  # positive: thresholds, not flips
            norm.bias.copy_(_uniform(channels, -0.3, 0.3, generator))
    return model


def random_model(name: str, seed: int = 0, method: str = "ste", num_classes: int = 10, in_shape=None) -> nn.Module:
    """build_model(name) with seeded weights and randomized norms: the test models of the flow
    (`in_shape` (C, H, W): another input shape than the model's default)."""
    torch.manual_seed(seed)
    model = build_model(name, num_classes, in_shape=in_shape, method=method)
    return randomize_norms(model, model.in_shape, seed)
