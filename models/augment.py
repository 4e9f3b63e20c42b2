"""Data augmentation for small images: random translation by up to a few pixels.

Each image moves by its own (dy, dx) in [-max_shift, max_shift]^2, zero-filled (the background
of MNIST-like data). Drawn from torch's global generator, which training reseeds per epoch, so
augmented runs stay reproducible and resumable.
"""
import torch
import torch.nn.functional as F


def random_shift(images: torch.Tensor, max_shift: int) -> torch.Tensor:
    """(N, C, H, W) -> same shape, each image translated by a random integer offset."""
    if max_shift <= 0:
        return images
    n, _, h, w = images.shape
    padded = F.pad(images, (max_shift,) * 4)
    offsets = torch.randint(0, 2 * max_shift + 1, (n, 2))
    out = torch.empty_like(images)
    for dy, dx in torch.unique(offsets, dim=0).tolist():
        rows = ((offsets[:, 0] == dy) & (offsets[:, 1] == dx)).nonzero().flatten()
        out[rows] = padded[rows, :, dy:dy + h, dx:dx + w]
    return out
