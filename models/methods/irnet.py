"""IR-Net's training hook: the Error Decay Estimator's (t, k) annealed over the run. Libra-PB and
EDE themselves are models/blocks/irnet.py."""
from torch import nn

from ..blocks.irnet import set_ede_progress
from .base import Method


class IRNet(Method):
    clip_latent = False  # Libra-PB standardizes the weights; EDE has no clipping region

    def on_step(self, model: nn.Module, progress: float) -> None:
        set_ede_progress(model, progress)
