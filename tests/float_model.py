"""A model with a plain float torch layer: exports to ONNX, must be rejected by the build."""
import torch


class FloatHead(torch.nn.Module):
    in_shape = (1, 4, 4)

    def __init__(self):
        super().__init__()
        self.classifier = torch.nn.Linear(16, 10)

    def forward(self, x):
        return self.classifier(x.flatten(1))
