"""Bad input: one clear error line naming what is at fault, a non-zero exit, and no build
directory (complete-looking or partial) left behind."""
import json
import subprocess
import sys
from pathlib import Path

import brevitas.nn as qnn
import onnx
import pytest
import torch
from brevitas.quant import SignedBinaryActPerTensorConst, SignedBinaryWeightPerTensorConst
from click.testing import CliRunner
from onnx import helper

from build_flows.cli import main
from models.export import export_model
from models.random_init import randomize_norms
from tests.float_model import FloatHead


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_clean_failure(result, out: Path, *fragments):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert not out.exists(), "a failed build left its directory"
    assert not list(out.parent.glob(f".{out.name}*")), "a failed build left a partial directory"


def test_missing_model_file(tmp_path):
    out = tmp_path / "b"
    assert_clean_failure(run_cli("build", tmp_path / "nope.onnx", "--out", out), out, "nope.onnx", "no such file")


def test_malformed_onnx_file(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x08\x07garbage that is not a protobuf" * 10)
    out = tmp_path / "b"
    assert_clean_failure(run_cli("build", bad, "--out", out), out, "bad.onnx", "not a valid ONNX model")


def test_float_layer_is_named(tmp_path):
    path = tmp_path / "float.onnx"
    export_model(FloatHead(), path)
    out = tmp_path / "b"
    assert_clean_failure(run_cli("build", path, "--out", out), out, "float.onnx", "float (unquantized) weights")


def test_unsupported_op_is_named(tmp_path, exported):
    model = onnx.load(str(exported("tfc_w1a1")))
    last = model.graph.output[0]
    softmax_out = helper.make_tensor_value_info("probabilities", last.type.tensor_type.elem_type, [1, 10])
    model.graph.node.append(helper.make_node("Softmax", [last.name], ["probabilities"], name="my_softmax", axis=-1))
    model.graph.output.remove(last)
    model.graph.output.append(softmax_out)
    path = tmp_path / "softmax.onnx"
    onnx.save(model, str(path))
    out = tmp_path / "b"
    assert_clean_failure(run_cli("build", path, "--out", out), out, "my_softmax", "'Softmax'", "supported op types")


@pytest.mark.parametrize("folding, fragments", [
    ({"MVAU_hls_0": {"PE": 3}}, ["MVAU_hls_0", "PE=3 does not divide MH=64", "valid PE values: [1, 2, 4, 8, 16, 32, 64]"]),
    ({"MVAU_hls_1": {"SIMD": 5}}, ["MVAU_hls_1", "SIMD=5 does not divide MW=64"]),
    ({"MVAU_hls_9": {"PE": 1}}, ["no layer named 'MVAU_hls_9'", "MVAU_hls_0"]),
    ({"MVAU_hls_0": {"PEs": 2}}, ["layer 'MVAU_hls_0' has no attribute 'PEs'"]),
])
def test_bad_folding_names_the_layer(tmp_path, exported, folding, fragments):
    path = tmp_path / "folding.json"
    path.write_text(json.dumps(folding))
    out = tmp_path / "b"
    assert_clean_failure(run_cli("build", exported("tfc_w1a1"), "--folding", path, "--out", out), out, *fragments)


def test_a_depthwise_window_folded_unlike_its_pool_is_refused(tmp_path, exported):
    """The window streams channel folds outside kernel positions: a width converter between its
    SIMD and the pool's PE would reorder the window (found by simulating a fold-search design)."""
    shipped = json.loads((Path(__file__).resolve().parents[1] / "build_flows" / "foldings" / "cnv_w1a1.json").read_text())
    assert shipped["Pool_hls_0"] == {"PE": 32}  # and its window's SIMD is 32
    path = tmp_path / "folding.json"
    path.write_text(json.dumps({**shipped, "Pool_hls_0": {"PE": 2}}))
    out = tmp_path / "b"
    result = run_cli("build", exported("cnv_w1a1"), "--folding", path, "--out", out)
    assert_clean_failure(result, out, "a depthwise sliding window", "consumer 'Pool_hls_0' has PE=2", "must be equal")


def test_malformed_folding_json(tmp_path, exported):
    path = tmp_path / "folding.json"
    path.write_text('{"MVAU_hls_0": {"PE": 2,}}')
    out = tmp_path / "b"
    assert_clean_failure(run_cli("build", exported("tfc_w1a1"), "--folding", path, "--out", out), out,
                         "folding.json", "not valid JSON (line 1")


def test_unknown_board_lists_valid_boards(tmp_path, exported):
    out = tmp_path / "b"
    assert_clean_failure(run_cli("build", exported("tfc_w1a1"), "--board", "Pynq-Z9", "--out", out), out,
                         "unknown board 'Pynq-Z9'", "Pynq-Z1", "ZCU104")


def test_folding_and_target_fps_exclude_each_other(tmp_path, exported):
    out = tmp_path / "b"
    assert_clean_failure(run_cli("build", exported("tfc_w1a1"), "--folding", "tfc_w1a1", "--target-fps", "10",
                                 "--out", out), out, "either --folding or --target-fps")


def test_a_failed_rebuild_keeps_the_previous_complete_build(tmp_path, exported):
    out = tmp_path / "b"
    assert run_cli("build", exported("tfc_w1a1"), "--out", out).exit_code == 0
    before = (out / "report" / "estimates.json").read_text()
    bad = tmp_path / "folding.json"
    bad.write_text(json.dumps({"MVAU_hls_0": {"PE": 3}}))
    result = run_cli("build", exported("tfc_w1a1"), "--folding", bad, "--out", out)
    assert result.exit_code == 2
    assert (out / "report" / "estimates.json").read_text() == before
    assert not list(tmp_path.glob(".b*"))


def test_installed_console_script_prints_one_line_without_traceback(tmp_path):
    bcnn = Path(sys.executable).parent / "bcnn"
    proc = subprocess.run([str(bcnn), "build", str(tmp_path / "x.onnx"), "--out", str(tmp_path / "b")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: {tmp_path / 'x.onnx'}: no such file (expected a QONNX model written by `bcnn export`)"]
    debug = subprocess.run([str(bcnn), "--debug", "build", str(tmp_path / "x.onnx"), "--out", str(tmp_path / "b")],
                           capture_output=True, text=True, timeout=120)
    assert debug.returncode != 0 and "Traceback" in debug.stderr


@pytest.mark.parametrize("options, fragments", [
    (["--outputs", "estimates,bitstream"],
     ["unknown output(s) bitstream", "valid outputs: estimates, rtl, sim, synth, hls, ip, bitfile, deploy"]),
    (["--outputs", "synth", "--backend", "hls"], ["output synth", "--backend rtl"]),
    (["--outputs", "sim", "--backend", "hls"], ["output sim", "--backend rtl"]),
    (["--outputs", "deploy", "--dataset", "imagenet"], ["unknown dataset 'imagenet'", "valid: digits, mnist"]),
    (["--outputs", "deploy", "--batch", "0"], ["--batch must be at least 1"]),
    (["--folding", "fastest", "--lut-cap", "0"], ["--lut-cap must be in (0, 1], got 0.0"]),
    (["--outputs", "deploy", "--batch", "70000", "--folding", "tfc_w1a1"],
     ["--batch 70000: one DMA transfer of the input would be 71,680,000 bytes", "use --batch 65535 or less"]),
    (["--board", "U250", "--backend", "hls", "--outputs", "bitfile"], ["--backend hls builds bitfiles for Zynq",
                                                                        "use --backend rtl"]),
])
def test_bad_outputs_name_the_option(tmp_path, exported, options, fragments):
    out = tmp_path / "b"
    assert_clean_failure(run_cli("build", exported("tfc_w1a1"), *options, "--out", out), out, *fragments)


def test_synth_of_a_build_without_rtl_says_what_is_missing(tmp_path):
    result = run_cli("synth", tmp_path)
    assert result.exit_code == 2 and "no stitched RTL (rtl/stitch.json)" in result.stderr
    result = run_cli("synth", tmp_path, "--jobs", 0)
    assert result.exit_code == 2 and "--jobs must be at least 1" in result.stderr


class FloatResidual(torch.nn.Module):
    """A residual add of two BatchNorm outputs, neither quantized (a Bi-Real block written without
    Brevitas' shared quantizer): each operand carries its own per-channel float scale."""

    def __init__(self):
        super().__init__()
        self.inp = qnn.QuantIdentity(bit_width=8, return_quant_tensor=True)
        self.stem = qnn.QuantConv2d(1, 4, 3, padding=1, bias=False, weight_bit_width=4)
        self.bn0, self.bn1 = torch.nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
        self.sign0, self.sign1 = (qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst, return_quant_tensor=True)
                                  for _ in range(2))
        self.conv = qnn.QuantConv2d(4, 4, 3, padding=1, bias=False, weight_quant=SignedBinaryWeightPerTensorConst)
        self.fc = qnn.QuantLinear(4 * 6 * 6, 10, bias=False, weight_quant=SignedBinaryWeightPerTensorConst)
        self.in_shape = (1, 6, 6)

    def forward(self, x):
        x = self.bn0(self.stem(self.inp(x)))
        x = x + self.bn1(self.conv(self.sign0(x)))
        return self.fc(torch.flatten(self.sign1(x), 1))


def test_a_residual_add_of_unquantized_floats_is_refused_naming_the_scale_and_the_fix(tmp_path):
    torch.manual_seed(0)
    model = FloatResidual()
    randomize_norms(model, model.in_shape)
    export_model(model, tmp_path / "m.onnx")
    out = tmp_path / "b"
    assert_clean_failure(run_cli("build", tmp_path / "m.onnx", "--out", out), out, "(Mul) scales an operand of the "
                         "residual add", "quantize both operands with one shared quantizer")
