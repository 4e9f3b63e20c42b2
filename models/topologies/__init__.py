"""Topologies: BNN-PYNQ's (TFC/SFC/LFC, CNV) and the seed methods' small convolutional BCNNs."""
from .cnv import CNV
from .fc import FC
from .resnet import ResNet
from .sofar import DRFDenseNet, RFResNet

__all__ = ["CNV", "FC", "ResNet", "RFResNet", "DRFDenseNet"]
