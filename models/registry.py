"""Model names to constructors, built with the Parts a training method gives them.

BNN-PYNQ names are `<topology>_w<weight bits>a<activation bits>` (tfc, sfc, lfc, cnv); the input
bit width follows BNN-PYNQ: the FC family quantizes its input like its activations, CNV takes
8-bit pixels. The seed methods' small convolutional models are binary (w1a1) by construction:
resnet_small, resnet_wide, rf_resnet_small, drf_densenet_small; resnet20 is IR-Net's CIFAR-10 ResNet-20,
resnet18 Bi-Real's ResNet-18 for 32x32 inputs.
"""
import re
from functools import partial

from torch import nn

from .errors import BcnnError
from .names import MODEL_NAMES, PRECISIONS
from .recipes import get_recipe
from .topologies import CNV, FC, DRFDenseNet, ResNet, ResNet20, RFResNet
from .topologies.fc import HIDDEN
from .topologies.resnet import WIDE_STAGES
from .topologies.resnet20 import RESNET18_STAGES

CONV_MODELS = {"resnet_small": ResNet, "resnet_wide": partial(ResNet, stages=WIDE_STAGES),
               "rf_resnet_small": RFResNet, "drf_densenet_small": DRFDenseNet, "resnet20": ResNet20,
               "resnet18": partial(ResNet20, stages=RESNET18_STAGES)}
DEFAULT_IN_SHAPE = {"tfc": (1, 28, 28), "sfc": (1, 28, 28), "lfc": (1, 28, 28), "cnv": (3, 32, 32), "resnet20": (3, 32, 32),
                    "resnet18": (3, 32, 32)}


class UnknownModel(BcnnError):
    pass


def parse_name(name: str):
    """-> (topology, weight bits, activation bits)."""
    if name in CONV_MODELS:
        return name, 1, 1
    m = re.fullmatch(r"(tfc|sfc|lfc|cnv)_w(\d)a(\d)", name)
    if not m or (int(m[2]), int(m[3])) not in PRECISIONS:
        raise UnknownModel(f"unknown model '{name}'; valid models: {', '.join(MODEL_NAMES)}")
    return m[1], int(m[2]), int(m[3])


def build_model(name: str, num_classes: int = 10, in_shape=None, method: str = "ste",
                float_teacher: bool = False) -> nn.Module:
    """A freshly initialised model; `in_shape` is (C, H, W) without the batch dimension.

    `float_teacher` builds the float model of the same structure (a distillation teacher).
    """
    topology, wbits, abits = parse_name(name)
    m = get_recipe(method)
    if topology not in m.topologies:
        raise UnknownModel(f"method {method} does not apply to model {name}; it applies to "
                           f"{', '.join(m.topologies)} (default: {m.default_model})")
    if m.binary_only and (wbits, abits) != (1, 1):
        raise UnknownModel(f"method {method} needs binary weights and activations: use {topology}_w1a1, not {name}")
    parts = m.parts(topology)
    if float_teacher:
        parts = parts.as_float()
    in_shape = tuple(in_shape or DEFAULT_IN_SHAPE.get(topology, (1, 28, 28)))
    if topology in CONV_MODELS:
        model = CONV_MODELS[topology](parts, num_classes=num_classes, in_shape=in_shape)
    elif topology == "cnv":
        model = CNV(wbits, abits, num_classes=num_classes, in_shape=in_shape, parts=parts)
    else:
        model = FC(HIDDEN[topology], wbits, abits, in_bits=abits, num_classes=num_classes, in_shape=in_shape,
                   parts=parts)
    return model if float_teacher else m.prepare(model)
