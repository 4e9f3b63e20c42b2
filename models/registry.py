"""Model names (`tfc_w1a1`, `cnv_w2a2`, ...) to constructors.

A name is `<topology>_w<weight bits>a<activation bits>`; the input bit width follows BNN-PYNQ:
the FC family quantizes its input like its activations, CNV takes 8-bit pixels.
"""
import re

from torch import nn

from .errors import BcnnError

from .topologies import CNV, FC
from .topologies.fc import HIDDEN

TOPOLOGIES = ("tfc", "sfc", "lfc", "cnv")
PRECISIONS = ((1, 1), (1, 2), (2, 2))
MODEL_NAMES = tuple(f"{t}_w{w}a{a}" for t in TOPOLOGIES for w, a in PRECISIONS)
DEFAULT_IN_SHAPE = {"tfc": (1, 28, 28), "sfc": (1, 28, 28), "lfc": (1, 28, 28), "cnv": (3, 32, 32)}


class UnknownModel(BcnnError):
    pass


def parse_name(name: str):
    m = re.fullmatch(r"(tfc|sfc|lfc|cnv)_w(\d)a(\d)", name)
    if not m or (int(m[2]), int(m[3])) not in PRECISIONS:
        raise UnknownModel(f"unknown model '{name}'; valid models: {', '.join(MODEL_NAMES)}")
    return m[1], int(m[2]), int(m[3])


def build_model(name: str, num_classes: int = 10, in_shape=None) -> nn.Module:
    """A freshly initialised model; `in_shape` is (C, H, W) without the batch dimension."""
    topology, wbits, abits = parse_name(name)
    in_shape = tuple(in_shape or DEFAULT_IN_SHAPE[topology])
    if topology == "cnv":
        return CNV(wbits, abits, num_classes=num_classes, in_shape=in_shape)
    return FC(HIDDEN[topology], wbits, abits, in_bits=abits, num_classes=num_classes, in_shape=in_shape)
