"""Topologies: BNN-PYNQ's (TFC/SFC/LFC, CNV) and the seed methods' small convolutional BCNNs, and
ResNet-20 at CIFAR-10 scale."""
from .cnv import CNV
from .fc import FC
from .resnet import ResNet
from .resnet20 import ResNet20
from .sofar import DRFDenseNet, RFResNet

__all__ = ["CNV", "FC", "ResNet", "ResNet20", "RFResNet", "DRFDenseNet"]
