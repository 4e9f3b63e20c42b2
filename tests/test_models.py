"""Baseline topologies: shapes, quantizer levels, and QONNX export exactness for every baseline."""
import numpy as np
import pytest
import torch
from brevitas.nn import QuantConv2d, QuantLinear
from qonnx.core.modelwrapper import ModelWrapper

from models.errors import BcnnError
from models.export import execute_qonnx, export_model, sample_inputs
from models.random_init import random_model
from models.names import BNN_PYNQ_MODELS
from models.registry import build_model, parse_name
from tests.float_model import FloatHead


# CNV's few-bit variants export in 20-35 s each: outside CI (`make test-all`), where cnv_w1a1's
# export, few-bit tfc/lfc exports and the corpus' few-bit convolutions (test_user_models.py) stand
# for them
FEW_BIT_CNVS = ("cnv_w1a2", "cnv_w2a2")


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.heavy) if n in FEW_BIT_CNVS else n
                                  for n in BNN_PYNQ_MODELS])
def test_export_is_exact_against_torch(name, exported):
    """The written QONNX file agrees with torch on fresh inputs (not those export checked)."""
    model = ModelWrapper(str(exported(name)))
    reference = random_model(name).eval()
    x = sample_inputs(reference.in_shape, 4, seed=123)
    with torch.no_grad():
        want = reference(x).numpy()
    got = execute_qonnx(model, x)
    np.testing.assert_array_equal(got.argmax(1), want.argmax(1))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    ops = {n.op_type for n in model.graph.node}
    _, wbits, abits = parse_name(name)
    assert ("BipolarQuant" in ops) == (wbits == 1 or abits == 1)
    assert ("Quant" in ops) == (wbits > 1 or abits > 1 or name.startswith("cnv"))


@pytest.mark.parametrize("name", ["tfc_w1a1", "tfc_w2a2", "cnv_w1a2"])
def test_quantized_weights_take_only_the_expected_levels(name):
    _, wbits, _ = parse_name(name)
    model = build_model(name)
    levels = {1: {-1.0, 1.0}, 2: {-1.0, 0.0, 1.0}}[wbits]
    for m in model.modules():
        if isinstance(m, (QuantLinear, QuantConv2d)):
            assert set(torch.unique(m.quant_weight().value).tolist()) <= levels


def test_layer_widths_follow_the_bnn_pynq_tables():
    widths = {name: [m.out_features for m in build_model(name).modules() if isinstance(m, QuantLinear)]
              for name in ("tfc_w1a1", "sfc_w1a1", "lfc_w1a1", "cnv_w1a1")}
    assert widths == {"tfc_w1a1": [64, 64, 64, 10], "sfc_w1a1": [256, 256, 256, 10],
                      "lfc_w1a1": [1024, 1024, 1024, 10], "cnv_w1a1": [512, 512, 10]}
    convs = [m.out_channels for m in build_model("cnv_w1a1").modules() if isinstance(m, QuantConv2d)]
    assert convs == [64, 64, 128, 128, 256, 256]


def test_unknown_model_name_lists_valid_names():
    with pytest.raises(BcnnError, match="valid models: tfc_w1a1"):
        build_model("tfc_w3a3")


def test_cnv_rejects_inputs_smaller_than_32_pixels():
    with pytest.raises(ValueError, match="at least 32x32"):
        build_model("cnv_w1a1", in_shape=(1, 28, 28))


def test_a_float_model_exports_and_is_left_for_the_build_to_reject(tmp_path):
    out = tmp_path / "float.onnx"
    # A float model exports fine to ONNX; it is the build that must reject it (test_bad_input).
    result = export_model(FloatHead(), out)
    assert [p.name for p in tmp_path.iterdir()] == ["float.onnx"] and result["top1_agree"]


def test_export_leaves_only_its_output(exported):
    """CNV's weights make the exporter write external data beside its file; none of it stays."""
    out = exported("cnv_w1a1")
    assert out.is_file() and not [p.name for p in out.parent.iterdir() if p.name.startswith(".") or "partial" in p.name]
