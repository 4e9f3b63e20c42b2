"""Small binary ResNet for 28x28 inputs (Bi-Real / IR-Net / DGRL / FracBNN backbone).

Two stages of residual units (resnet_small: 16 and 32 channels, resnet_wide: 32 and 64); with shortcuts each binary 3x3 convolution of equal input and
output shape has an integer identity shortcut (Bi-Real); the unit that widens a stage has none.
"""
from torch import nn

from ..blocks.parts import Parts, conv
from ..blocks.si import SqueezeInteraction
from ..blocks.units import BinaryUnit
from .backbone import ConvBackbone

STAGES = ((16, 2), (32, 2))  # (channels, units) per stage; a 2x2 max pool between stages
# Twice the channels (four times the binary MACs per unit): the width that takes a binary ResNet
# past 99 % on MNIST; resnet_small is the one cheap enough to train on a CPU in minutes.
WIDE_STAGES = ((32, 2), (64, 2))


class ResNet(ConvBackbone):
    def __init__(self, parts=Parts(), num_classes=10, in_shape=(1, 28, 28), stages=STAGES):
        super().__init__(parts, in_shape, stages[0][0], len(stages))
        modules, cin = [], stages[0][0]
        for channels, units in stages:
            stage = []
            for _ in range(units):
                si = SqueezeInteraction(parts, cin, channels) if parts.si and cin == channels else None
                stage.append(BinaryUnit(parts, conv(parts, cin, channels), nn.BatchNorm2d(channels),
                                        shortcut=parts.shortcut and cin == channels, grid_output=True, si=si))
                cin = channels
            modules.append(nn.Sequential(*stage))
        self.stages = nn.ModuleList(modules)
        self.finish(parts, cin, num_classes)
