"""What each training method makes of a model: the blocks (Parts) it gives each topology it
applies to, and a last preparation after construction (IR-Net's weight standardization).

Building a model by name needs this (models/registry.py), so it sits below training; the
methods' training hooks (losses, schedules, teachers) are models/methods/. The STE baseline is
the base class: plain Parts on every topology.
"""
from torch import nn

from .blocks.irnet import EDEActQuant, LibraPBWeightQuant, apply_libra_pb
from .blocks.parts import Parts
from .errors import BcnnError
from .quantizers import ActQuant

FC_TOPOLOGIES = ("tfc", "sfc", "lfc")
RESNETS = ("resnet_small", "resnet_wide", "resnet20", "resnet18")
CONV_TOPOLOGIES = RESNETS + ("rf_resnet_small", "drf_densenet_small")
THERMOMETER_LEVELS = 8


class Recipe:
    name = "ste"
    summary = "BinaryNet-style straight-through estimator, the baseline"
    default_model = "tfc_w1a1"
    topologies = FC_TOPOLOGIES + ("cnv",) + CONV_TOPOLOGIES
    binary_only = False  # needs 1-bit weights and activations

    def parts(self, topology: str) -> Parts:
        return Parts()

    def prepare(self, model: nn.Module) -> nn.Module:
        """After construction, before weights are loaded (e.g. weight parametrizations)."""
        return model


class IRNet(Recipe):
    """Libra-PB weights with EDE gradients; Bi-Real shortcuts on the ResNet."""

    name = "irnet"
    summary = "IR-Net: Libra-PB weights with the Error Decay Estimator (Bi-Real shortcuts on ResNets)"
    default_model = "resnet_small"
    topologies = FC_TOPOLOGIES + RESNETS
    binary_only = True

    def __init__(self, act_ede: bool = False):
        # EDE on activations too (as in the paper) measured worse on our short CPU schedules
        # (TFC-w1a1, MNIST: 92.28 % against 93.44 % at 10 epochs, 92.52 % against 93.65 % at 20, with
        # EDE on weights only and the STE's clipped estimator on activations), so it is an option.
        self.act_ede = act_ede

    def parts(self, topology: str) -> Parts:
        return Parts(weight_quant=LibraPBWeightQuant, act_quant=EDEActQuant if self.act_ede else ActQuant,
                     shortcut=topology in RESNETS)

    def prepare(self, model: nn.Module) -> nn.Module:
        return apply_libra_pb(model)


class BiReal(Recipe):
    """Bi-Real Net (Liu et al., ECCV 2018): a real-valued shortcut around every binary layer.

    Here "real-valued" means 8-bit integers on the ShortcutQuant grid, so the shortcut adds exactly
    in hardware; the binary convolutions are unchanged. Trained with the STE otherwise."""

    name = "bireal"
    summary = "Bi-Real: integer shortcut around every binary layer of equal shape"
    default_model = "resnet_small"
    topologies = FC_TOPOLOGIES + RESNETS

    def parts(self, topology: str) -> Parts:
        return Parts(shortcut=True)


class DGRL(Recipe):
    """Distillation-guided residual learning: Bi-Real shortcuts, Squeeze-and-Interaction beside
    every residual block of the ResNet (the block-wise distillation is a training hook)."""

    name = "dgrl"
    summary = "DGRL: block-wise distillation from a float teacher, Squeeze-and-Interaction shortcuts"
    default_model = "resnet_small"
    topologies = FC_TOPOLOGIES + RESNETS

    def parts(self, topology: str) -> Parts:
        return Parts(shortcut=True, si=topology in RESNETS)


class SoFAr(Recipe):
    """SoFAr (shortcut-based fractal architectures): the fractal blocks with their shortcuts on.

    The architecture is the method: RF-ResNet (residual units inside the fractal) and DRF-DenseNet
    (dense connections inside the fractal), see topologies/sofar.py. The STE baseline on the same
    topology is the plain binary FractalNet (no shortcuts, no dense connections)."""

    name = "sofar"
    summary = "SoFAr: shortcut-based fractal blocks (rf_resnet_small, drf_densenet_small)"
    default_model = "rf_resnet_small"
    topologies = ("rf_resnet_small", "drf_densenet_small")

    def parts(self, topology: str) -> Parts:
        return Parts(shortcut=True)


class FracBNN(Recipe):
    """Gated 2-bit (MSB + LSB) activations and a thermometer-encoded binary input."""

    name = "fracbnn"
    summary = "FracBNN: gated 2-bit (MSB + LSB) activations, thermometer-encoded binary input"
    default_model = "resnet_small"
    topologies = FC_TOPOLOGIES + RESNETS
    binary_only = True

    def __init__(self, levels: int = THERMOMETER_LEVELS):
        self.levels = levels

    def parts(self, topology: str) -> Parts:
        return Parts(fractional=True, thermometer=self.levels, shortcut=topology in RESNETS)


RECIPES = {r.name: r for r in (Recipe, IRNet, BiReal, DGRL, SoFAr, FracBNN)}
METHOD_NAMES = tuple(RECIPES)


class UnknownMethod(BcnnError):
    pass


def get_recipe(name: str) -> Recipe:
    if name not in RECIPES:
        raise UnknownMethod(f"unknown method '{name}'; valid methods: {', '.join(METHOD_NAMES)}")
    return RECIPES[name]()
