"""A Bi-Real-style block written by hand as Brevitas users write it (not from the corpus or the
fuzzer): sign activations via SignedBinaryActPerTensorConst, binary padding=1 convolutions, a 4-bit
quantizer shared by both operands of the identity residual, a strided binary convolution, global
average pooling, a 4-bit quantizer, a 2-bit classifier with bias. Runs the user-model harness and
prints its outcome. It crashed in create_dataflow_partition (the quantizer between the kept
(N, C, 1, 1) mean and the flatten left a Reshape inside the accelerator); since
MoveUnitReshapePastMultiThreshold it is bit-exact on its 23 streams at 1.0000x analytic, and a
Reshape left between hardware layers is refused by name (steps/hardware.py).

    .venv/bin/python bench/fuzz/handwritten_bireal.py
"""
import tempfile, json
import torch
from torch import nn
import brevitas.nn as qnn
from brevitas.quant import Int8ActPerTensorFloat, SignedBinaryActPerTensorConst, SignedBinaryWeightPerTensorConst
from build_flows.explore.user_models import check_model
from models.random_init import randomize_norms

def sign():
    return qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst, return_quant_tensor=True)

def bconv(cin, cout, stride=1):
    return qnn.QuantConv2d(cin, cout, 3, stride=stride, padding=1, bias=False, weight_quant=SignedBinaryWeightPerTensorConst)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = qnn.QuantIdentity(bit_width=8, act_quant=Int8ActPerTensorFloat, return_quant_tensor=True)
        self.stem = qnn.QuantConv2d(3, 16, 3, padding=1, bias=False, weight_bit_width=4)
        self.bn0 = nn.BatchNorm2d(16)
        self.s1 = sign(); self.c1 = bconv(16, 16); self.bn1 = nn.BatchNorm2d(16)
        self.s2 = sign(); self.c2 = bconv(16, 32, stride=2); self.bn2 = nn.BatchNorm2d(32)
        self.s3 = sign()
        self.qres = qnn.QuantIdentity(bit_width=4, act_quant=Int8ActPerTensorFloat, return_quant_tensor=True)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.q = qnn.QuantIdentity(bit_width=4, act_quant=Int8ActPerTensorFloat, return_quant_tensor=False)
        self.fc = qnn.QuantLinear(32, 10, bias=True, weight_bit_width=2)
        self.in_shape = (3, 12, 12)
    def forward(self, x):
        x = self.qres(self.bn0(self.stem(self.inp(x))))
        x = self.qres(x + self.qres(self.bn1(self.c1(self.s1(x)))))
        x = self.bn2(self.c2(self.s2(x)))
        x = self.q(self.pool(self.s3(x)))
        return self.fc(torch.flatten(x, 1))

torch.manual_seed(3)
m = Net()
randomize_norms(m, (3, 12, 12))
m.eval()
o = check_model({}, tempfile.mkdtemp(), model=m, keep=True)
print("RESULT own_binary", json.dumps(o.as_dict()))
