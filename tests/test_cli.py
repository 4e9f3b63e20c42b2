"""The bcnn CLI end to end on small data: train (seeded, resumable), export, build, report."""
import json

import pytest
import torch
from click.testing import CliRunner

from build_flows.analysis.timing import delay_model
from build_flows.cli import main


def run_cli(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


@pytest.mark.parametrize("command", [[], ["train"], ["export"], ["build"], ["report"], ["demo"], ["methods"], ["sim"], ["deploy"], ["synth"], ["size-fifos"], ["fold-search"]])
def test_help_everywhere(command):
    result = run_cli(*command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def train(out, epochs, *extra):
    return run_cli("train", "--model", "tfc_w1a1", "--dataset", "digits", "--epochs", epochs, "--batch-size", 32,
                   "--out", out, *extra)


def test_train_is_seeded_and_resumes_exactly(tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    assert train(straight, 2).exit_code == 0
    assert train(resumed, 2, "--stop-after", 1).exit_code == 0  # as if interrupted after epoch 1
    assert len(json.loads((resumed / "metrics.json").read_text())["history"]) == 1
    assert train(resumed, 2).exit_code == 0
    a = torch.load(straight / "checkpoint.pt", weights_only=False)
    b = torch.load(resumed / "checkpoint.pt", weights_only=False)
    assert a["epoch"] == b["epoch"] == 2
    for key in a["state_dict"]:
        assert torch.equal(a["state_dict"][key], b["state_dict"][key]), key
    ma, mb = (json.loads((d / "metrics.json").read_text()) for d in (straight, resumed))
    assert [h["test_accuracy"] for h in ma["history"]] == [h["test_accuracy"] for h in mb["history"]]
    assert ma["test_accuracy"] > 0.5  # 10 classes: chance is 0.1
    # Finished run: rerunning is a no-op that keeps the checkpoint.
    before = (straight / "checkpoint.pt").stat().st_mtime_ns
    assert train(straight, 2).exit_code == 0
    assert (straight / "checkpoint.pt").stat().st_mtime_ns == before
    # More epochs than planned: training continues from the checkpoint (a new cosine tail).
    assert train(straight, 3).exit_code == 0
    assert len(json.loads((straight / "metrics.json").read_text())["history"]) == 3


def test_train_refuses_a_run_directory_of_another_model(tmp_path):
    assert train(tmp_path / "r", 1).exit_code == 0
    result = run_cli("train", "--model", "sfc_w1a1", "--dataset", "digits", "--out", tmp_path / "r")
    assert result.exit_code == 2 and "belongs to another run" in result.stderr


def test_export_build_report_from_a_checkpoint(tmp_path):
    assert train(tmp_path / "r", 1).exit_code == 0
    onnx_path = tmp_path / "m.onnx"
    result = run_cli("export", tmp_path / "r" / "checkpoint.pt", "--out", onnx_path)
    assert result.exit_code == 0 and onnx_path.is_file(), result.output
    result = run_cli("build", onnx_path, "--target-fps", 50000, "--out", tmp_path / "b")
    assert result.exit_code == 0, result.output
    result = run_cli("report", tmp_path / "b")
    assert result.exit_code == 0 and "MVAU_bcnn_0" in result.output
    png = tmp_path / "b" / "report" / "cycles.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    shown = json.loads(run_cli("report", tmp_path / "b", "--json").output)
    assert shown["estimates"]["analytic_cycles_per_frame"] <= 1e9 / (10 * 50000) and shown["synth"] is None


def test_export_random_init_and_its_argument_errors(tmp_path):
    out = tmp_path / "r.onnx"
    assert run_cli("export", "--model", "tfc_w2a2", "--random-init", "--out", out).exit_code == 0 and out.is_file()
    result = run_cli("export", "--random-init", "--out", out)
    assert result.exit_code == 2 and "--random-init needs --model" in result.stderr
    result = run_cli("export", "--out", out)
    assert result.exit_code == 2 and "either a CHECKPOINT or --random-init" in result.stderr
    result = run_cli("export", tmp_path / "missing.pt", "--out", out)
    assert result.exit_code == 2 and "missing.pt: no such checkpoint" in result.stderr


def test_build_from_a_config_file_with_overrides(exported, tmp_path):
    """A build's own build.yaml rebuilds it; options on the command line override the file."""
    config = tmp_path / "tfc.yaml"
    config.write_text(f"model: {exported('tfc_w1a1')}\nout: {tmp_path / 'b'}\nfolding: tfc_w1a1\nboard: Pynq-Z2\n")
    result = run_cli("build", config, "--board", "ZCU104", "--outputs", "estimates,deploy")
    assert result.exit_code == 0, result.output
    saved = (tmp_path / "b" / "build.yaml").read_text()
    assert "board: ZCU104" in saved and "tfc_w1a1.json" in saved and (tmp_path / "b" / "deploy").is_dir()
    rebuilt = run_cli("build", tmp_path / "b" / "build.yaml", "--out", tmp_path / "again")
    assert rebuilt.exit_code == 0 and "board: ZCU104" in (tmp_path / "again" / "build.yaml").read_text()


@pytest.mark.parametrize("text, said", [("model: m.onnx\n", "needs out"), ("nope: 1\n", "unknown build option(s) ['nope']"),
                                        ("model: [\n", "not valid YAML")])
def test_a_bad_config_file_is_one_clear_error(tmp_path, text, said):
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    result = run_cli("build", config)
    assert result.exit_code == 2 and said in result.stderr and str(config) in result.stderr
    result = run_cli("build", tmp_path / "missing.yaml")
    assert result.exit_code == 2 and "no such build config" in result.stderr
    assert "--out is required" in run_cli("build", tmp_path / "m.onnx").stderr


def test_report_of_a_directory_that_is_not_a_build(tmp_path):
    result = run_cli("report", tmp_path)
    assert result.exit_code == 2 and "not a finished build" in result.stderr


def assert_synthesized_as_estimated(out):
    """The build's synthesis (Yosys, a build output): the whole top and every layer, weights in
    block RAM exactly where FINN+ estimates block RAM, registered layer boundaries, shown by
    `bcnn report` beside the estimates."""
    synth = json.loads((out / "report" / "synth.json").read_text())
    est = json.loads((out / "report" / "estimates.json").read_text())
    assert [layer["name"] for layer in synth["layers"]] == [layer["name"] for layer in est["layers"]]
    for layer in synth["layers"]:
        if layer["op_type"] == "MVAU_bcnn":
            assert (layer["bram_18k"] > 0) == (layer["estimate"]["bram_18k"] > 0), layer
    whole = synth["total"]
    assert whole["bram_18k"] == sum(layer["bram_18k"] for layer in synth["layers"]) + synth["fifos"]["total"]["bram_18k"]
    assert abs(whole["bram_18k"] - est["totals"]["bram_18k"]) <= 0.2 * est["totals"]["bram_18k"]
    assert 0 < whole["lut_total"] < synth["budget"]["lut"] and whole["ff"] > 0 and synth["fits_board"]
    assert synth["registered_layer_boundaries"] and 0 < whole["logic_levels"] <= 16
    # the timing proxy: the whole top's costliest path fits the 100 MHz clock; the slowest layer is named
    timing = synth["timing"]
    assert timing["fits"] and timing["proxy_period_ns"] == whole["proxy_period_ns"] <= timing["clock_ns"] == 10.0
    assert timing["proxy_period_ns"] == pytest.approx(delay_model("xc7").intercept_ns + timing["critical_path"]["ns"], abs=1e-3)
    assert max(layer["delay_path_ns"] for layer in synth["layers"]) == timing["slowest_layer"]["delay_path_ns"] > 0
    result = run_cli("report", out)
    assert result.exit_code == 0 and (out / "report" / "resources.png").read_bytes()[:4] == b"\x89PNG"
    shown = json.loads(run_cli("report", out, "--json").output)
    assert shown["synth"]["total"] == whole and shown["estimates"]["totals"] == est["totals"]


def test_demo_end_to_end(tmp_path):
    result = run_cli("demo", "--out", tmp_path / "demo", "--epochs", 1)
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "demo" / "report.json").read_text())
    assert report["bit_exact"] and report["mismatches"] == 0 and report["sim_bit_exact"]
    assert report["sim_labels_equal_torch"] and report["simulated_cycles_per_frame"] == 64.0
    assert report["analytic_cycles_per_frame"] == 64 and report["fits_board"]
    assert report["test_accuracy_torch"] > 0.5 and report["sim_streams_compared"] == 8
    assert (tmp_path / "demo" / "build" / "report" / "cycles.png").is_file()
    assert_synthesized_as_estimated(tmp_path / "demo" / "build")
    from build_flows.sim.simulate import simulate  # the trained design under random stalls too

    unstalled = json.loads((tmp_path / "demo" / "build" / "sim" / "report.json").read_text())
    stalled = simulate(tmp_path / "demo" / "build", frames=20, input_npy=tmp_path / "demo" / "sim_frames.npy",
                       backpressure=True)
    assert stalled["backpressure"] and not unstalled["backpressure"]
    assert stalled["bit_exact"] and stalled["labels_sim"] == unstalled["labels_sim"]
