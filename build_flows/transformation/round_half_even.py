"""Exact ties for rounding quantizers through FINN+'s conversion.

A QONNX Quant with rounding_mode ROUND rounds half to even (QONNX executes it with np.round, as
torch does), but FINN+'s ConvertQONNXtoFINN places every threshold at the half step and
MultiThreshold counts x >= T: a tie always rounds up. Ties are not rare on our integer grid:
SoFAr's fractal join is the mean of two grid values, so every odd sum lands on one (measured: a
trained RF-ResNet gave another label than torch on a digits image, every stream still bit-exact
against FINN+'s own execution). Where half-even rounds down, the level it would reach is odd; its
threshold is moved up by one float32 step, so the tie itself no longer reaches it and nothing else
changes (no float32 value lies in between). Scales on the grid are powers of two, so absorbing them
later keeps that step, and rounding thresholds for an integer input then lands one above the tie.

Usage: `ties = half_even_quants(model)` before the conversion, `RoundTiesToEven(ties)` after it.
"""
from dataclasses import dataclass

import numpy as np
from qonnx.transformation.base import Transformation

from .graph_match import only_consumer

HALF_EVEN_MODES = ("ROUND", "HALF_EVEN")


@dataclass(frozen=True)
class HalfEvenQuant:
    input: str  # the quantizer's input tensor (the MultiThreshold's input after conversion)
    output: str  # its output tensor (the end of MultiThreshold -> [Add] -> [Mul] after conversion)
    lowest: int  # the lowest integer level


def half_even_quants(model) -> list:
    found = []
    for node in model.get_nodes_by_op_type("Quant"):
        attrs = {a.name: a for a in node.attribute}
        mode = attrs["rounding_mode"].s.decode() if "rounding_mode" in attrs else "ROUND"
        bits = model.get_initializer(node.input[3])
        if mode.upper() not in HALF_EVEN_MODES or model.get_initializer(node.input[0]) is not None or bits is None:
            continue
        signed = bool(attrs["signed"].i) if "signed" in attrs else True
        narrow = bool(attrs["narrow"].i) if "narrow" in attrs else False
        bits = int(np.asarray(bits).reshape(-1)[0])
        lowest = (-(1 << (bits - 1)) + narrow) if signed else 0
        found.append(HalfEvenQuant(node.input[0], node.output[0], lowest))
    return found


class RoundTiesToEven(Transformation):
    def __init__(self, quants: list):
        super().__init__()
        self.quants = quants

    def apply(self, model):
        for quant in self.quants:
            for node in model.find_consumers(quant.input) or []:
                if node.op_type != "MultiThreshold" or not self._ends_in(model, node, quant.output):
                    continue
                thresholds = np.asarray(model.get_initializer(node.input[1]), dtype=np.float32).copy()
                reached = quant.lowest + 1 + np.arange(thresholds.shape[1])  # the level at or above threshold t
                odd = reached % 2 != 0
                thresholds[:, odd] = np.nextafter(thresholds[:, odd], np.float32(np.inf))
                model.set_initializer(node.input[1], thresholds)
        return model, False

    @staticmethod
    def _ends_in(model, node, output: str) -> bool:
        """Whether `node` -> [Add] -> [Mul] makes `output` (the conversion of that quantizer)."""
        for _ in range(3):
            if node.output[0] == output:
                return True
            node = only_consumer(model, node.output[0], "Add") or only_consumer(model, node.output[0], "Mul")
            if node is None:
                return False
        return False
