"""Every training method end to end on digits: `bcnn train --method M`, resume, curves, and a
QONNX export whose class scores are bit-exact against torch."""
import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from qonnx.core.modelwrapper import ModelWrapper

from build_flows.cli import main
from models.blocks.parts import Parts, act, conv, linear, pixel_quant
from models.checkpoint import load_checkpoint
from models.errors import BcnnError
from models.export import execute_qonnx, export_model, sample_inputs
from models.recipes import METHOD_NAMES, RECIPES
from models.registry import build_model


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("methods")
    cache = {}

    def get(method: str):
        if method not in cache:
            out = root / method
            result = run_cli("train", "--method", method, "--dataset", "digits", "--epochs", 1,
                             "--teacher-epochs", 1, "--out", out)
            assert result.exit_code == 0, result.output
            cache[method] = out
        return cache[method]
    return get


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_train_every_method_on_digits(method, trained):
    out = trained(method)
    assert (out / "checkpoint.pt").is_file() and (out / "curves.png").stat().st_size > 1000
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["method"] == method and metrics["model"] == RECIPES[method].default_model
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and len(metrics["history"]) == 1
    model, ckpt = load_checkpoint(out / "checkpoint.pt")
    assert ckpt["method"] == method
    if method == "dgrl":
        assert (out / "teacher" / "checkpoint.pt").is_file()


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_trained_models_export_bit_exact(method, trained, tmp_path):
    model, _ = load_checkpoint(trained(method) / "checkpoint.pt")
    result = export_model(model, tmp_path / "m.onnx", samples=6)
    assert result["scores_bit_exact"] is True
    x = sample_inputs(model.in_shape, 4, seed=99)
    with torch.no_grad():
        want = model(x).numpy()
    got = execute_qonnx(ModelWrapper(str(tmp_path / "m.onnx")), x)
    np.testing.assert_array_equal(got.argmax(1), want.argmax(1))


@pytest.mark.parametrize("method,model", [("irnet", "tfc_w1a1"), ("bireal", "tfc_w1a1"), ("fracbnn", "tfc_w1a1"),
                                          ("dgrl", "tfc_w1a1"), ("sofar", "drf_densenet_small"),
                                          ("ste", "resnet_small"), ("ste", "rf_resnet_small")])
def test_methods_on_other_topologies_export_bit_exact(method, model, tmp_path):
    torch.manual_seed(1)
    m = build_model(model, method=method)
    assert export_model(m, tmp_path / "m.onnx", samples=4)["scores_bit_exact"] is True


def test_dgrl_resume_keeps_its_teacher(trained):
    out = trained("dgrl")
    teacher = out / "teacher" / "checkpoint.pt"
    stamp = teacher.stat().st_mtime_ns
    result = run_cli("train", "--method", "dgrl", "--dataset", "digits", "--epochs", 2, "--teacher-epochs", 1,
                     "--out", out)
    assert result.exit_code == 0, result.output
    assert teacher.stat().st_mtime_ns == stamp
    assert len(json.loads((out / "metrics.json").read_text())["history"]) == 2


def test_dgrl_accepts_a_given_teacher_and_rejects_a_wrong_one(trained, tmp_path):
    teacher = trained("dgrl") / "teacher" / "checkpoint.pt"
    ok = run_cli("train", "--method", "dgrl", "--dataset", "digits", "--epochs", 1, "--teacher", teacher,
                 "--out", tmp_path / "a")
    assert ok.exit_code == 0, ok.output
    assert not (tmp_path / "a" / "teacher").exists()  # the given teacher is used, none trained
    bad = run_cli("train", "--method", "dgrl", "--dataset", "digits", "--epochs", 1,
                  "--teacher", trained("ste") / "checkpoint.pt", "--out", tmp_path / "b")
    assert bad.exit_code == 2 and "a DGRL teacher must be a float resnet_small" in bad.output


def test_method_on_a_topology_it_does_not_apply_to_is_one_clear_error(tmp_path):
    result = run_cli("train", "--method", "sofar", "--model", "tfc_w1a1", "--dataset", "digits", "--out", tmp_path)
    assert result.exit_code == 2
    assert result.output.strip() == ("error: method sofar does not apply to model tfc_w1a1; it applies to "
                                     "rf_resnet_small, drf_densenet_small (default: rf_resnet_small)")
    with pytest.raises(BcnnError, match="irnet needs binary weights and activations: use tfc_w1a1"):
        build_model("tfc_w2a2", method="irnet")


def test_float_teacher_is_not_exported(trained, tmp_path):
    result = run_cli("export", trained("dgrl") / "teacher" / "checkpoint.pt", "--out", tmp_path / "t.onnx")
    assert result.exit_code == 2 and "is a float teacher" in result.output and not (tmp_path / "t.onnx").exists()


def test_methods_command_lists_every_method():
    result = run_cli("methods")
    assert result.exit_code == 0 and [line.split()[0] for line in result.output.splitlines()] == list(METHOD_NAMES)


@pytest.mark.parametrize("method, model", [("irnet", "tfc_w1a1"), ("bireal", "tfc_w1a1"), ("fracbnn", "tfc_w1a1"),
                                           pytest.param("fracbnn", "lfc_w1a1", marks=pytest.mark.heavy)])
def test_trained_fc_runs_bit_exact_in_rtl_simulation(tmp_path, method, model):
    """Libra-PB's per-channel power-of-two scales go through FINN+ streamlining into thresholds,
    Bi-Real's shortcuts into a fork and an adding join, FracBNN's thermometer and trained gates
    into bcnn_thermometer and bcnn_frac_mvau: a trained TFC (and FracBNN's LFC) of each builds, and
    the stitched RTL gives torch's labels on real images, every stream bit-exact."""
    from build_flows.config import BuildConfig
    from build_flows.flow import run_build
    from build_flows.sim.images import simulate_images
    from models.data import load_dataset

    assert run_cli("train", "--method", method, "--model", model, "--dataset", "digits", "--epochs", 2,
                   "--out", tmp_path / "run").exit_code == 0
    model, _ = load_checkpoint(tmp_path / "run" / "checkpoint.pt")
    export_model(model, tmp_path / "m.onnx")
    build = run_build(BuildConfig(model=str(tmp_path / "m.onnx"), out=str(tmp_path / "build")), show_progress=False)
    sim, labels_equal = simulate_images(build, model, load_dataset("digits").test.images[:12], tmp_path / "frames.npy")
    assert sim["bit_exact"] and labels_equal


# CI builds the trained Bi-Real ResNet; the other families' hardware is tested at random init in
# test_{dgrl,sofar,dense,fracbnn}_hardware.py, their trained builds here are `heavy`
@pytest.mark.parametrize("method, model", [("bireal", "resnet_small"),
                                           pytest.param("dgrl", "resnet_small", marks=pytest.mark.heavy),
                                           pytest.param("sofar", "rf_resnet_small", marks=pytest.mark.heavy),
                                           pytest.param("sofar", "drf_densenet_small", marks=pytest.mark.heavy),
                                           pytest.param("fracbnn", "resnet_small", marks=pytest.mark.heavy)])
def test_trained_convolutional_methods_run_bit_exact_in_rtl_simulation(tmp_path, method, model):
    """Bi-Real's convolutional shortcuts, DGRL's SI branches (pixel sum, FC stage, broadcast join),
    SoFAr's fractal column joins and channel repeat, its dense concatenations, and FracBNN's
    thermometer stem and fractional convolutions, with trained weights: the stitched RTL gives torch's labels on real images, every stream bit-exact."""
    from build_flows.config import BuildConfig
    from build_flows.flow import run_build
    from build_flows.sim.images import simulate_images
    from models.data import load_dataset

    assert run_cli("train", "--method", method, "--model", model, "--dataset", "digits", "--epochs", 1,
                   "--teacher-epochs", 1, "--out", tmp_path / "run").exit_code == 0
    trained_model, _ = load_checkpoint(tmp_path / "run" / "checkpoint.pt")
    export_model(trained_model, tmp_path / "m.onnx")
    build = run_build(BuildConfig(model=str(tmp_path / "m.onnx"), out=str(tmp_path / "build")), show_progress=False)
    sim, labels_equal = simulate_images(build, trained_model, load_dataset("digits").test.images[:6],
                                        tmp_path / "frames.npy")
    assert sim["bit_exact"] and labels_equal


class ZeroPaddedBinaryConv(torch.nn.Module):
    """A binary convolution that pads its +-1 input with zeros (ours pad with -1: PadBinary)."""

    in_shape = (1, 8, 8)

    def __init__(self):
        super().__init__()
        self.pixels, self.binarize, self.binarize2 = pixel_quant(Parts()), act(Parts()), act(Parts())
        self.conv, self.head = conv(Parts(), 1, 4), linear(Parts(), 4 * 8 * 8, 10)

    def forward(self, x):
        return self.head(self.binarize2(self.conv(self.binarize(self.pixels(x)))).flatten(1))


def test_a_zero_padded_binary_convolution_builds_and_simulates_bit_exact(tmp_path):
    """Zero padding of a +-1 stream (transformation/zero_padding.py): the padded convolution's
    unit thresholds the zero-padded dot products exactly, border pixels included."""
    torch.manual_seed(0)
    export_model(ZeroPaddedBinaryConv(), tmp_path / "m.onnx")
    result = run_cli("build", tmp_path / "m.onnx", "--out", tmp_path / "build", "--outputs", "estimates,rtl,sim")
    assert result.exit_code == 0, result.output
    df = ModelWrapper(str(tmp_path / "build" / "dataflow.onnx"))
    bordered = [n for n in df.get_nodes_by_op_type("MVAU_bcnn") if any(a.name == "zeroPadBorder" for a in n.attribute)]
    assert len(bordered) == 1
    sim = json.loads((tmp_path / "build" / "sim" / "report.json").read_text())
    assert sim["bit_exact"] and sim["cycles_per_frame"] <= 1.05 * sim["analytic_cycles_per_frame"]


def test_the_torch_free_name_lists_agree_with_the_tables():
    """The CLI offers models.names' lists as choices; they must be what the registries build."""
    from models import names
    from models.registry import CONV_MODELS

    assert names.METHOD_NAMES == tuple(RECIPES)
    assert names.CONV_MODEL_NAMES == tuple(CONV_MODELS)
