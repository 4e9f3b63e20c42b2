"""The FINN+ flow on every baseline: verified steps, estimates, generated sources, foldings."""
import json

import pytest
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from build_flows.config import BuildConfig
from build_flows.flow import run_build
from build_flows.vendor.pending import VendorToolsMissing
from models.export import export_model
from models.names import BNN_PYNQ_MODELS
from models.user_style.corpus import CORPUS, make_model

ESTIMATE_KEYS = {"analytic_cycles_per_frame", "fps_at_clock", "layers", "totals", "board", "clock_ns"}
LAYER_KEYS = {"name", "op_type", "cycles", "PE", "SIMD", "lut", "bram_18k"}


def estimates(build_dir):
    return json.loads((build_dir / "report" / "estimates.json").read_text())


# CI builds each precision of TFC and one LFC (TFC's layers, wider) at the default folding; CNV is
# built in CI at the finn-examples folding (below, test_sim, test_external_models), and few-bit
# convolutions by the user-model corpus; the other baselines repeat those layers at other sizes
# and foldings and are `heavy` (make test-all)
IN_CI = {"tfc_w1a1", "tfc_w1a2", "tfc_w2a2", "lfc_w1a1"}


@pytest.mark.slow
@pytest.mark.parametrize("name", [name if name in IN_CI else pytest.param(name, marks=pytest.mark.heavy)
                                  for name in BNN_PYNQ_MODELS])
def test_every_baseline_builds_for_pynq_z1_at_the_default_folding(name, built):
    out = built(name)
    est = estimates(out)
    assert ESTIMATE_KEYS <= set(est) and all(LAYER_KEYS <= set(layer) for layer in est["layers"])
    assert est["analytic_cycles_per_frame"] == max(layer["cycles"] for layer in est["layers"])
    assert est["fps_at_clock"] == pytest.approx(1e9 / (10.0 * est["analytic_cycles_per_frame"]))
    steps = json.loads((out / "report" / "verification.json").read_text())
    assert [s["step"] for s in steps][-1] == "stitch_rtl"
    assert all(s["labels_agree"] == s["samples"] == 3 for s in steps)
    assert all(s["max_abs_logit_diff"] < 1e-3 for s in steps if s["output"] == "logits")
    df = ModelWrapper(str(out / "dataflow.onnx"))
    ops = {n.op_type for n in df.graph.node}
    assert "MVAU_bcnn" in ops and "LabelSelect_bcnn" in ops and not any(op.endswith("_hls") for op in ops)
    stitched = json.loads((out / "rtl" / "stitch.json").read_text())
    assert [s["name"] for s in stitched["stages"]] == [n.name for n in df.graph.node]
    for node in df.graph.node:  # every layer has its sources inside the build directory
        if node.op_type.endswith("_bcnn"):
            assert (out / "rtl" / f"{node.name}_weights.hex").is_file() or not node.op_type.startswith("MVAU")
        else:
            gen = getCustomOp(node).get_nodeattr("code_gen_dir_ipgen")
            assert gen.startswith(str(out)) and any((out / "codegen" / node.name).iterdir())
    assert not list(out.parent.glob(".*partial"))


def test_the_hls_backend_generates_finn_hls_sources(tmp_path):
    # BNN-PYNQ's layer kinds (convolution, max pool, classifier) in a 10x10 model: CNV's HLS
    # build (69 s) generates the same kinds of source
    export_model(make_model(CORPUS["bnn_pynq_style"]), tmp_path / "m.onnx")
    try:
        out = run_build(BuildConfig(model=str(tmp_path / "m.onnx"), out=str(tmp_path / "b"), backend="hls"),
                        show_progress=False)
    except VendorToolsMissing as exc:  # the HLS sources are written before the vendor steps
        out = exc.build_dir
    ops = {n.op_type for n in ModelWrapper(str(out / "dataflow.onnx")).graph.node}
    assert {"MVAU_hls", "Pool_hls", "LabelSelect_hls"} <= ops
    assert list((out / "codegen" / "MVAU_hls_0").glob("*.cpp")) and not (out / "rtl").exists()


def test_cnv_w1a1_with_the_finn_examples_folding_matches_its_cycle_count(built):
    est = estimates(built("cnv_w1a1", folding="cnv_w1a1"))
    assert est["analytic_cycles_per_frame"] == 32768
    by_name = {layer["name"]: layer for layer in est["layers"]}
    assert (by_name["MVAU_bcnn_0"]["PE"], by_name["MVAU_bcnn_0"]["SIMD"]) == (16, 3)
    assert (by_name["MVAU_bcnn_8"]["PE"], by_name["MVAU_bcnn_8"]["SIMD"]) == (5, 1)
    assert est["fits_board"]


def test_tfc_w1a1_with_the_finn_examples_folding(built):
    est = estimates(built("tfc_w1a1", folding="tfc_w1a1"))
    by_name = {layer["name"]: layer for layer in est["layers"]}
    assert by_name["Thresholding_bcnn_0"]["PE"] == 49
    assert [(by_name[f"MVAU_bcnn_{i}"]["PE"], by_name[f"MVAU_bcnn_{i}"]["SIMD"]) for i in range(4)] == \
        [(16, 49), (8, 8), (8, 8), (10, 8)]
    assert est["analytic_cycles_per_frame"] == 64  # 64/16 * 784/49


def test_target_fps_folds_faster_designs_for_higher_targets(built):
    slow = estimates(built("tfc_w1a1", target_fps=2000))
    fast = estimates(built("tfc_w1a1", target_fps=100000))
    assert slow["analytic_cycles_per_frame"] <= 1e9 / (10 * 2000)
    assert fast["analytic_cycles_per_frame"] <= 1e9 / (10 * 100000)
    assert fast["totals"]["lut"] > slow["totals"]["lut"]


def test_the_same_build_twice_gives_identical_sources(exported, tmp_path):
    outs = [run_build(BuildConfig(model=str(exported("tfc_w1a1")), out=str(tmp_path / f"b{i}")), show_progress=False)
            for i in range(2)]
    files = sorted(p.relative_to(outs[0]) for d in ("codegen", "rtl") for p in (outs[0] / d).rglob("*") if p.is_file())
    assert files
    for rel in files:
        a, b = (outs[0] / rel).read_bytes(), (outs[1] / rel).read_bytes()
        assert a.replace(str(outs[0]).encode(), b"") == b.replace(str(outs[1]).encode(), b""), rel


def test_a_custom_step_can_be_inserted_by_name(exported, tmp_path):
    steps = ["tidy", "add_pixel_input", "insert_label_select", "qonnx_to_finn", "tests.custom_step:count_nodes", "streamline"]
    out = run_build(BuildConfig(model=str(exported("tfc_w1a1")), out=str(tmp_path / "b"), steps=steps), show_progress=False)
    assert (out / "custom_step_nodes.txt").read_text().strip().isdigit()
    assert (out / "intermediate" / "04_tests.custom_step:count_nodes.onnx").is_file()
