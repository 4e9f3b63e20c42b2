"""FracBNN's training hook: the gate regularizer that steers the LSB work to its budget, and the
gate rate per epoch. The fractional activations, gate and thermometer are models/blocks/fracbnn.py."""
from ..blocks.fracbnn import GATE_TARGET, gate_rate, gate_regularizer
from .base import Method

GATE_WEIGHT = 1.0  # regularizer weight


class FracBNN(Method):
    def __init__(self, gate_weight: float = GATE_WEIGHT, gate_target: float = GATE_TARGET):
        self.gate_weight, self.gate_target = gate_weight, gate_target

    def loss(self, model, x, y, logits, task_loss):
        return task_loss + self.gate_weight * gate_regularizer(model, self.gate_target)

    def epoch_metrics(self, model) -> dict:
        return {"gate_rate": round(gate_rate(model), 4)}
