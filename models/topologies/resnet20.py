"""ResNet-20 for 32x32 inputs: IR-Net's CIFAR-10 network (He et al. 2016, shortcut option B).

A 3x3 stem convolution to 16 channels, three stages of three basic blocks (16, 32, 64 channels,
two 3x3 convolutions each: 18 binary convolutions), global average pooling and a binary
classifier. Every 3x3 convolution has `padding=1` with zeros, as the paper writes it; the first
unit of stages 2 and 3 halves the map with stride 2, and its shortcut is a strided binary 1x1
convolution with its BatchNorm (option B). The shortcuts sit around every binary convolution
(Bi-Real's granularity, which IR-Net and DGRL train with), on every method: a ResNet has them
by definition. DGRL adds its Squeeze-and-Interaction branch beside every unit of equal shape.
With FracBNN's fractional activations the binary maps are padded with -1 instead (PadBinary):
the fractional unit's hardware reads a -1-padded window (bcnn's zero-padded border correction is
for binary and bipolar inputs). The global-average-pooled features are quantized on the shortcut
grid before the classifier, so the scores stay integers. With RESNET18_STAGES it is Bi-Real's ResNet-18 for 32x32 inputs.
"""
from torch import nn

from ..blocks.layers import ScalarNorm
from ..blocks.parts import Parts, act, conv, linear, shortcut_quant
from ..blocks.si import SqueezeInteraction
from ..blocks.units import BinaryUnit
from .backbone import ConvBackbone

STAGES = ((16, 3), (32, 3), (64, 3))  # (channels, basic blocks); stride 2 entering stages 2 and 3
# Bi-Real's ResNet-18 in the CIFAR form (a 3x3 stem at stride 1, no max pool; Liu et al. 2018 use
# ImageNet's 7x7 stem): four stages of two basic blocks, 64/128/256/512 channels on 32/16/8/4 px,
# stride 2 and a 1x1 shortcut entering stages 2-4. The same units, so `resnet18` is this class.
RESNET18_STAGES = ((64, 2), (128, 2), (256, 2), (512, 2))
UNITS_PER_BLOCK = 2  # binary 3x3 convolutions per basic block


class ResNet20(ConvBackbone):
    def __init__(self, parts=Parts(), num_classes=10, in_shape=(3, 32, 32), stages=STAGES):
        super().__init__(parts, in_shape, stages[0][0], len(stages) - 1)  # its strides halve the map as pools would
        units, cin = [], stages[0][0]
        for index, (channels, blocks) in enumerate(stages):
            for block in range(blocks):
                for position in range(UNITS_PER_BLOCK):
                    stride = 2 if index and not block and not position else 1  # entering stages 2, 3, ...
                    units.append(self._unit(parts, cin, channels, stride))
                    cin = channels
        self.stages = nn.ModuleList([nn.Sequential(*units)])
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), shortcut_quant(parts), nn.Flatten(),
                                  linear(parts, cin, num_classes), ScalarNorm())

    @staticmethod
    def _unit(parts: Parts, cin: int, cout: int, stride: int) -> BinaryUnit:
        same = cin == cout and stride == 1
        downsample = None if same else nn.Sequential(
            act(parts), conv(parts, cin, cout, kernel=1, stride=stride), nn.BatchNorm2d(cout), shortcut_quant(parts))
        si = SqueezeInteraction(parts, cin, cout) if parts.si and same else None
        return BinaryUnit(parts, conv(parts, cin, cout, stride=stride), nn.BatchNorm2d(cout), shortcut=True,
                          grid_output=True, si=si, downsample=downsample, pad_binary=parts.fractional)

    def forward(self, x):
        x = self.stem(self.encode(x))
        for stage in self.stages:
            x = stage(x)
        return self.head(x)
