"""SoFAr (shortcut-based fractal architectures): the fractal blocks with their shortcuts on.

The architecture is the method: RF-ResNet (residual units inside the fractal) and DRF-DenseNet
(dense connections inside the fractal), see topologies/sofar.py. The STE baseline on the same
topology is the plain binary FractalNet (no shortcuts, no dense connections).
"""
from ..parts import Parts
from .base import Method


class SoFAr(Method):
    name = "sofar"
    summary = "SoFAr: shortcut-based fractal blocks (rf_resnet_small, drf_densenet_small)"
    default_model = "rf_resnet_small"
    topologies = ("rf_resnet_small", "drf_densenet_small")

    def parts(self, topology: str) -> Parts:
        return Parts(shortcut=True)
