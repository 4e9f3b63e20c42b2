"""Models written and exported by other people's Brevitas code (Brevitas' own BNN-PYNQ example
topologies, exported with plain brevitas.export.export_qonnx) build and verify too."""
import json

import pytest
import torch
from brevitas.export import export_qonnx
from brevitas_examples.bnn_pynq.models import model_with_cfg

from build_flows.config import BuildConfig
from build_flows.flow import run_build


@pytest.mark.parametrize("cfg_name, in_shape, folding", [
    ("tfc_1w1a", (1, 1, 28, 28), "tfc_w1a1"),
    ("cnv_1w1a", (1, 3, 32, 32), "cnv_w1a1"),
])
def test_brevitas_example_models_build_with_finn_examples_folding(tmp_path, cfg_name, in_shape, folding):
    torch.manual_seed(0)
    model, _ = model_with_cfg(cfg_name, pretrained=False)
    model.eval()
    path = tmp_path / f"{cfg_name}.onnx"
    export_qonnx(model, input_t=torch.rand(in_shape), export_path=str(path))
    out = run_build(BuildConfig(model=str(path), out=str(tmp_path / "build"), folding=folding), show_progress=False)
    steps = json.loads((out / "report" / "verification.json").read_text())
    assert all(s["labels_agree"] == s["samples"] for s in steps) and steps[-1]["step"] == "stitch_rtl"
    est = json.loads((out / "report" / "estimates.json").read_text())
    assert est["analytic_cycles_per_frame"] == {"tfc_w1a1": 64, "cnv_w1a1": 32768}[folding]
