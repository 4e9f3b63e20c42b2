"""A training method's hooks into the training loop (its model's blocks are models/recipes.py).

The STE baseline (BinaryNet style: sign forward, clipped identity backward, latent weights
clipped to [-1, 1]) is the base class itself; a seed method overrides a few hooks. Bi-Real and
SoFAr train with it unchanged: their technique is all in the model.
"""
import torch
from torch import nn


class Method:
    clip_latent = True  # STE: outside [-1, 1] a latent weight gets no gradient
    needs_teacher = False  # a float model of the student's structure, which training provides

    def start(self, model: nn.Module, teacher: nn.Module | None = None) -> None:
        """Before the first step of a run; `teacher` when the method needs one."""

    def on_step(self, model: nn.Module, progress: float) -> None:
        """Before every step; progress runs from 0 to 1 over the whole run."""

    def loss(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, logits: torch.Tensor,
             task_loss: torch.Tensor) -> torch.Tensor:
        return task_loss

    def epoch_metrics(self, model: nn.Module) -> dict:
        return {}
