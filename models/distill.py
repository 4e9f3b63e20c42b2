"""Output distillation from any trained model of the same dataset.

The student's task loss becomes Hinton et al.'s (2015) blend: weight ALPHA on the KL divergence
from the teacher's class distribution to the student's, both softened at TEMPERATURE (times T^2,
which keeps its gradients on the scale of the hard loss), and 1 - ALPHA on the cross-entropy with
the labels. The teacher sees the same augmented batch. Softening matters: a trained teacher is
confident (a float resnet_small on MNIST puts 0.986 on its top class on average), so at T = 1 its
targets are nearly the labels and carry little of its knowledge of which classes look alike.
Unlike DGRL's block-wise loss the teacher may have any structure: a float CNN can teach a binary
MLP. It composes with every method, whose hooks add their own terms on top.
"""
from pathlib import Path

import torch
import torch.nn.functional as F

from .checkpoint import frozen, load_checkpoint
from .errors import BcnnError

ALPHA = 0.9
TEMPERATURE = 4.0


class OutputDistillation:
    def __init__(self, teacher: torch.nn.Module, alpha: float = ALPHA, temperature: float = TEMPERATURE):
        self.alpha, self.temperature = alpha, temperature
        self.teacher = frozen(teacher)

    @classmethod
    def from_checkpoint(cls, path, num_classes: int, in_shape) -> "OutputDistillation":
        teacher, ckpt = load_checkpoint(Path(path))
        theirs = (ckpt["num_classes"], tuple(ckpt["in_shape"]))
        if theirs != (num_classes, tuple(in_shape)):
            raise BcnnError(f"--distill {path}: its model takes {theirs[1]} inputs into {theirs[0]} classes, the "
                            f"dataset has {tuple(in_shape)} into {num_classes}; train the teacher on the same dataset")
        return cls(teacher)

    def __call__(self, x: torch.Tensor, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        t = self.temperature
        with torch.no_grad():
            target = F.softmax(self.teacher(x) / t, dim=1)
        soft = F.kl_div(F.log_softmax(logits / t, dim=1), target, reduction="batchmean") * t * t
        return self.alpha * soft + (1 - self.alpha) * F.cross_entropy(logits, labels)
