"""models/export.py's check of the QONNX file against torch: it compares only inputs on which no
quantizer of the QONNX model sits on a rounding boundary (float rounding picks the level there, in
torch and in onnxruntime differently), and still catches an export that computes something else."""
import pytest
import torch
from torch import nn

import brevitas.nn as qnn
from models.errors import BcnnError
from models.export import export_model
from models.user_style.corpus import make_model
from models.user_style.fuzz import random_spec


def test_a_model_whose_inputs_mostly_sit_on_a_boundary_exports_checked_on_the_others(tmp_path):
    """Fuzz seed 133 (a 1-bit 5x5 convolution of 8-bit pixels into a 2-bit ReLU, a binary strided
    convolution into a sign, no BatchNorm): its sums land exactly halfway or on 0 in most inputs,
    and torch and QONNX rounded one of them differently on each of the first 8 draws (max abs diff
    0.016): the export was refused."""
    model = make_model(random_spec(133), seed=133)
    result = export_model(model, tmp_path / "m.onnx", model.in_shape)
    assert (tmp_path / "m.onnx").is_file()
    assert 1 <= result["checked"] < result["samples"]


class ExportsSomethingElse(nn.Module):
    """A model whose exported graph adds 1 to the logits that torch computes without it."""

    def __init__(self):
        super().__init__()
        self.inp = qnn.QuantIdentity(bit_width=8, return_quant_tensor=False)
        self.fc = qnn.QuantLinear(12, 3, bias=False, weight_bit_width=2)
        self.in_shape = (3, 2, 2)

    def forward(self, x):
        logits = self.fc(torch.flatten(self.inp(x), 1))
        return logits + 1 if torch.onnx.is_in_onnx_export() else logits


def test_an_export_that_computes_something_else_is_refused_and_leaves_no_file(tmp_path):
    torch.manual_seed(0)
    with pytest.raises(BcnnError, match=r"m.onnx: QONNX execution disagrees with torch on sample 0"):
        export_model(ExportsSomethingElse(), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()
