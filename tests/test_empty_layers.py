"""A layer whose weights all quantize to 0 builds and simulates bit-exactly.

Found with a user-style model: 2-bit weights and activations, zero padding, 20 channels, a
centred 8-bit input, Brevitas' bnn_pynq quantizers (constant scale 1, so every freshly
initialised weight, |w| < 0.5, rounds to 0). FINN+ sized the classifier's accumulator UINT0 and
Verilator refused the zero-bit stream (bcnn_activate.sv: "Size-changing cast to zero or negative
size: 0"); a thresholded empty layer's one-bit sum wrapped its never-reached threshold to one
always reached. Each case keeps one layer empty and gives the other weights a trained model's
magnitude."""
import json

import pytest
import torch
from brevitas.core.restrict_val import RestrictValueType
from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear
from brevitas_examples.bnn_pynq.models.common import CommonActQuant, CommonWeightQuant
from torch import nn

from build_flows.config import BuildConfig
from build_flows.flow import run_build
from build_flows.sim.simulate import simulate
from models.export import export_model
from models.random_init import randomize_norms

CHANNELS = 20


class CentredTwoBitNet(nn.Module):
    in_shape = (1, 8, 8)

    def __init__(self):
        super().__init__()
        self.pixels = QuantIdentity(act_quant=CommonActQuant, bit_width=8, min_val=-1.0, max_val=1.0 - 2.0**-7,
                                    narrow_range=False, restrict_scaling_type=RestrictValueType.POWER_OF_TWO)
        self.conv = QuantConv2d(1, CHANNELS, 3, padding=1, bias=False, weight_quant=CommonWeightQuant,
                                weight_bit_width=2)
        self.norm = nn.BatchNorm2d(CHANNELS)
        self.act = QuantIdentity(act_quant=CommonActQuant, bit_width=2)
        self.classifier = QuantLinear(CHANNELS * 64, 10, bias=False, weight_quant=CommonWeightQuant,
                                      weight_bit_width=2)

    def forward(self, x):
        x = self.act(self.norm(self.conv(self.pixels(2.0 * x - 1.0))))  # input centred to [-1, 1]
        return self.classifier(x.flatten(1))


def model_with_empty(layer: str) -> nn.Module:
    torch.manual_seed(0)
    model = CentredTwoBitNet()
    other = model.classifier if layer == "conv" else model.conv
    with torch.no_grad():
        other.weight.mul_(1.5 / other.weight.abs().max())  # trained weights reach the quantizer's +-1 levels
    model = randomize_norms(model, model.in_shape)
    empty = getattr(model, layer)
    assert not empty.quant_weight().value.any() and other.quant_weight().value.any()
    return model


@pytest.mark.parametrize("layer, stage", [("classifier", "MVAU_bcnn_1"), ("conv", "MVAU_bcnn_0")])
def test_an_all_zero_weight_layer_builds_and_simulates_bit_exact(tmp_path, layer, stage):
    path = tmp_path / "model.onnx"
    export_model(model_with_empty(layer), path)
    out = run_build(BuildConfig(model=str(path), out=str(tmp_path / "build")), show_progress=False)
    stages = {s["name"]: s for s in json.loads((out / "rtl" / "stitch.json").read_text())["stages"]}
    widths = {f"{s}.{k}": v for s, st in stages.items() for k, v in st["params"].items() if k.endswith("BITS")}
    assert min(widths.values()) >= 1, widths
    params = stages[stage]["params"]
    if layer == "classifier":  # raw sums of a one-bit accumulator, into the label select
        assert (params["N_THRES"], params["OUT_BITS"], stages["LabelSelect_bcnn_0"]["params"]["BITS"]) == (0, 1, 1)
    else:  # sums in 0..1 and thresholds up to 2 (never reached): three signed bits
        assert (params["N_THRES"], params["ACC_BITS"]) == (2, 3)
    report = simulate(out, frames=6)
    assert report["bit_exact"], report["first_mismatch"]
