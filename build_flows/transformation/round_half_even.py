"""Exact rounding quantizers through FINN+'s conversion.

A QONNX Quant with rounding_mode ROUND rounds half to even (QONNX executes it with np.round, as
torch does), but FINN+'s ConvertQONNXtoFINN places every threshold at the half step and
MultiThreshold counts x >= T: a tie always rounds up. Ties are not rare on our integer grid:
SoFAr's fractal join is the mean of two grid values, so every odd sum lands on one (measured: a
trained RF-ResNet gave another label than torch on a digits image, every stream still bit-exact
against FINN+'s own execution). A scale that is no power of two adds near-ties: QONNX divides
x / scale in float32, so the half step itself may round down (0.5 / float32(1/7) = 3.4999998 -> 3)
although the threshold float32(3.5 / 7) is 0.5 (fuzz seed 79: a 2-bit identity's 0.5 into a
3-bit ReLU). So each threshold moves to the first float32 input that QONNX's own quantizer maps to
its level, a few float32 steps at most; nothing else changes, as no float32 value lies in between.

FINN+ bypasses the Relu of a QuantReLU (Relu -> Quant): its thresholds read the Relu's input,
which an unsigned quantizer maps to the same levels. A Selu's quantizer is left as converted.

Usage: `quants = half_even_quants(model)` before the conversion, `RoundTiesToEven(quants)` after.
"""
from dataclasses import dataclass

import numpy as np
from qonnx.custom_op.general.quant import quant as qonnx_quant
from qonnx.transformation.base import Transformation

from .graph_match import only_consumer

HALF_EVEN_MODES = ("ROUND", "HALF_EVEN")
MAX_STEPS = 64  # float32 steps a converted threshold may lie from the exact one (seen: one)


@dataclass(frozen=True)
class HalfEvenQuant:
    input: str  # what the MultiThreshold reads after conversion (a bypassed Relu's input)
    output: str  # the quantizer's output (the end of MultiThreshold -> [Add] -> [Mul] after conversion)
    scale: tuple  # one value, or one per channel (float32 values)
    bits: int
    signed: bool
    narrow: bool = False

    @property
    def lowest(self) -> int:
        return (-(1 << (self.bits - 1)) + self.narrow) if self.signed else 0

    def levels(self, x: np.ndarray) -> np.ndarray:
        """The integer level QONNX's Quant gives each float32 x; row r of `x` is channel r."""
        scale = np.asarray(self.scale, dtype=np.float32).reshape(-1, 1)
        y = qonnx_quant(x.astype(np.float32), scale, np.float32(0), np.float32(self.bits), self.signed, self.narrow, "ROUND")
        return np.rint(y / scale).astype(np.int64)


def half_even_quants(model) -> list:
    found = []
    for node in model.get_nodes_by_op_type("Quant"):
        attrs = {a.name: a for a in node.attribute}
        mode = attrs["rounding_mode"].s.decode() if "rounding_mode" in attrs else "ROUND"
        scale, zero, bits = (model.get_initializer(name) for name in node.input[1:4])
        if (mode.upper() not in HALF_EVEN_MODES or model.get_initializer(node.input[0]) is not None
                or scale is None or bits is None or zero is None or np.any(zero != 0)):
            continue  # FINN+ converts only activations with zero point 0
        before = model.find_producer(node.input[0])
        if before is not None and before.op_type == "Selu":
            continue
        source = before.input[0] if before is not None and before.op_type == "Relu" else node.input[0]
        found.append(HalfEvenQuant(source, node.output[0], tuple(float(s) for s in np.asarray(scale).reshape(-1)),
                                   int(np.asarray(bits).reshape(-1)[0]),
                                   bool(attrs["signed"].i) if "signed" in attrs else True,
                                   bool(attrs["narrow"].i) if "narrow" in attrs else False))
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
                thresholds = np.asarray(model.get_initializer(node.input[1]), dtype=np.float32)
                model.set_initializer(node.input[1], exact_thresholds(quant, thresholds))
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


def exact_thresholds(quant: HalfEvenQuant, thresholds: np.ndarray) -> np.ndarray:
    """Each threshold moved to the least float32 x whose level is the one it counts to (level =
    lowest + 1 + its index): the quantizer is monotonic, so step up while x falls short of the
    level, then down while the float32 value below still reaches it."""
    if len(quant.scale) not in (1, thresholds.shape[0]):
        return thresholds  # FINN+ converts per tensor or per channel only
    t = thresholds.copy()
    wanted = quant.lowest + 1 + np.arange(t.shape[1])
    for _ in range(MAX_STEPS):
        short = quant.levels(t) < wanted
        if not short.any():
            break
        t = np.where(short, np.nextafter(t, np.float32(np.inf)), t)
    for _ in range(MAX_STEPS):
        below = np.nextafter(t, np.float32(-np.inf))
        reaches = quant.levels(below) >= wanted
        if not reaches.any():
            break
        t = np.where(reaches, below, t)
    if (quant.levels(t) < wanted).any() or (quant.levels(np.nextafter(t, np.float32(-np.inf))) >= wanted).any():
        return thresholds  # not this quantizer's thresholds after all: leave FINN+'s own
    return t
