"""BNN-PYNQ family topologies (TFC/SFC/LFC, CNV), each a few constants and a loop."""
from .cnv import CNV
from .fc import FC

__all__ = ["CNV", "FC"]
