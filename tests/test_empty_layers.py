"""A layer whose weights all quantize to 0 builds and simulates bit-exactly.

Found with a user-style model: 2-bit weights and activations, zero padding, 20 channels, a
centred 8-bit input, Brevitas' bnn_pynq quantizers (constant scale 1, so every freshly
initialised weight, |w| < 0.5, rounds to 0). FINN+ sized the classifier's accumulator UINT0 and
Verilator refused the zero-bit stream (bcnn_activate.sv: "Size-changing cast to zero or negative
size: 0"); a thresholded empty layer's one-bit sum wrapped its never-reached threshold to one
always reached. Each case keeps one layer empty and gives the other weights a trained model's
magnitude."""
import json

import numpy as np
import pytest
import torch
from brevitas.core.restrict_val import RestrictValueType
from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear
from brevitas_examples.bnn_pynq.models.common import CommonActQuant, CommonWeightQuant
from finn.transformation.fpgadataflow.minimize_accumulator_width import MinimizeAccumulatorWidth
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.util.basic import qonnx_make_model
from torch import nn

from build_flows.config import BuildConfig
from build_flows.flow import run_build
from build_flows.sim.simulate import simulate
from build_flows.transformation.empty_accumulators import GiveEmptyAccumulatorsOneBit
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


def mvau(name: str, inp: str, out: str, weights: str, mw: int, mh: int, idt: str):
    return helper.make_node("MVAU", [inp, weights], [out], name=name, domain="finn.custom_op.fpgadataflow",
                            backend="fpgadataflow", MW=mw, MH=mh, SIMD=1, PE=1, inputDataType=idt,
                            weightDataType="INT2", outputDataType="INT32", accDataType="INT32", noActivation=1,
                            binaryXnorMode=0, numInputVectors=[1])


def test_an_empty_accumulator_gets_one_bit():
    """A raw unit of zeros before the label select: FINN+ sizes its accumulator UINT0; the pass
    makes it BINARY, and the label select reads BINARY."""
    select = helper.make_node("LabelSelect", ["zeros"], ["label"], name="select", domain="finn.custom_op.fpgadataflow",
                              backend="fpgadataflow", Labels=3, PE=1, K=1, inputDataType="INT32",
                              outputDataType="UINT8", numInputVectors=[1])
    graph = helper.make_graph(
        [mvau("empty", "x", "zeros", "w0", 4, 3, "INT2"), select], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("label", TensorProto.FLOAT, [1, 1])])
    model = ModelWrapper(qonnx_make_model(graph))
    model.set_initializer("w0", np.zeros((4, 3), np.float32))
    model.set_tensor_datatype("x", DataType["INT2"])
    model = model.transform(MinimizeAccumulatorWidth())
    assert getCustomOp(model.graph.node[0]).get_nodeattr("accDataType") == "UINT0"  # what FINN+ makes of it
    model = model.transform(GiveEmptyAccumulatorsOneBit())
    empty = getCustomOp(model.graph.node[0])
    assert (empty.get_nodeattr("accDataType"), empty.get_nodeattr("outputDataType")) == ("BINARY", "BINARY")
    assert model.get_tensor_datatype("zeros") == DataType["BINARY"]
    assert getCustomOp(model.graph.node[1]).get_nodeattr("inputDataType") == "BINARY"
