"""Bi-Real Net (Liu et al., ECCV 2018): a real-valued shortcut around every binary layer.

Here "real-valued" means 8-bit integers on the ShortcutQuant grid, so the shortcut adds exactly
in hardware; the binary convolutions are unchanged. Trained with the STE otherwise.
"""
from ..parts import Parts
from .base import FC_TOPOLOGIES, Method


class BiReal(Method):
    name = "bireal"
    summary = "Bi-Real: integer shortcut around every binary layer of equal shape"
    default_model = "resnet_small"
    topologies = FC_TOPOLOGIES + ("resnet_small",)

    def parts(self, topology: str) -> Parts:
        return Parts(shortcut=True)
