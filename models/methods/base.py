"""A training method: the Parts it gives a topology, and its hooks into the training loop.

The STE baseline (BinaryNet style: sign forward, clipped identity backward, latent weights
clipped to [-1, 1]) is the base class itself; every seed method overrides a few hooks.
"""
import torch
from torch import nn

from ..parts import Parts

FC_TOPOLOGIES = ("tfc", "sfc", "lfc")
CONV_TOPOLOGIES = ("resnet_small", "rf_resnet_small", "drf_densenet_small")


class Method:
    name = "ste"
    summary = "BinaryNet-style straight-through estimator, the baseline"
    default_model = "tfc_w1a1"
    topologies = FC_TOPOLOGIES + ("cnv",) + CONV_TOPOLOGIES
    clip_latent = True  # STE: outside [-1, 1] a latent weight gets no gradient
    binary_only = False  # needs 1-bit weights and activations

    def parts(self, topology: str) -> Parts:
        return Parts()

    def prepare(self, model: nn.Module) -> nn.Module:
        """After construction, before weights are loaded (e.g. weight parametrizations)."""
        return model

    def start(self, model: nn.Module, cfg, show_progress: bool) -> None:
        """Before the first step of a run (e.g. get a teacher)."""

    def on_step(self, model: nn.Module, progress: float) -> None:
        """Before every step; progress runs from 0 to 1 over the whole run."""

    def loss(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, logits: torch.Tensor,
             task_loss: torch.Tensor) -> torch.Tensor:
        return task_loss

    def epoch_metrics(self, model: nn.Module) -> dict:
        return {}
