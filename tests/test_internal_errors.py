"""An exception inside bcnn (FINN+, qonnx, our passes) reaches a user as one line naming the model
file, the step and the node, says it is a bug, and leaves no build directory; --debug shows the
traceback and keeps the partial build. Failures are injected into the real flow on purpose."""
import traceback

import pytest
from click.testing import CliRunner
from finn.custom_op.fpgadataflow.hls.matrixvectoractivation_hls import MVAU_hls
from finn.custom_op.fpgadataflow.matrixvectoractivation import MVAU
from finn.transformation.fpgadataflow import minimize_accumulator_width

import build_flows.analysis.report as report
from build_flows.cli import main
from build_flows.config import BuildConfig
from build_flows.flow import run_build
from models.errors import BcnnError, InternalError
from tests.error_lines import one_error_line
from tests.injected_failures import (broken_execute_node, broken_load_estimates, broken_minimize_weight_bit_width,
                                     not_a_node)


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_no_build_left(out):
    assert not out.exists(), "a failed build left its directory"
    assert not list(out.parent.glob(f".{out.name}*")), "a failed build left a partial directory"


@pytest.fixture
def broken_custom_op(monkeypatch):
    monkeypatch.setattr(MVAU_hls, "minimize_weight_bit_width", broken_minimize_weight_bit_width)


def test_a_custom_op_failure_names_step_node_and_line(tmp_path, exported, broken_custom_op):
    out = tmp_path / "b"
    line = one_error_line(run_cli("build", exported("tfc_w1a1"), "--out", out))
    assert line.startswith(f"error: {exported('tfc_w1a1')}: step 'minimize_bit_widths' failed at node 'MVAU_hls_0' "
                           "(MVAU_hls) in MinimizeWeightBitWidth: AssertionError in tests/injected_failures.py:"), line
    assert '(assert self.get_nodeattr("MW") < 0)' in line
    assert_no_build_left(out)


def test_debug_shows_the_traceback_and_keeps_the_partial_build(tmp_path, exported, broken_custom_op):
    out = tmp_path / "b"
    result = run_cli("--debug", "build", exported("tfc_w1a1"), "--out", out)
    assert result.exit_code != 0
    assert isinstance(result.exception, InternalError)
    original = result.exception.__cause__
    assert isinstance(original, AssertionError)  # chained: the traceback shows where FINN+ raised
    assert any(f.name == "broken_minimize_weight_bit_width" for f in traceback.extract_tb(original.__traceback__))
    partial = tmp_path / ".b.partial"
    assert f"partial build kept in {partial}" in str(result.exception)
    assert (partial / "intermediate").is_dir() and not out.exists()


def test_a_failing_pass_names_the_node_it_was_rewriting(tmp_path, exported, monkeypatch):
    monkeypatch.setattr(minimize_accumulator_width, "is_fpgadataflow_node", not_a_node)
    out = tmp_path / "b"
    with pytest.raises(InternalError) as caught:
        run_build(BuildConfig(model=str(exported("tfc_w1a1")), out=str(out)), show_progress=False)
    assert ("step 'minimize_bit_widths' failed at node 'Thresholding_rtl_0' (Thresholding_rtl) in "
            "MinimizeAccumulatorWidth: "
            "KeyError: 'backend' in tests/injected_failures.py:") in str(caught.value)
    assert_no_build_left(out)


def test_a_failure_while_verifying_a_step_names_the_node_executed(tmp_path, exported, monkeypatch):
    monkeypatch.setattr(MVAU, "execute_node", broken_execute_node)
    out = tmp_path / "b"
    line = one_error_line(run_cli("build", exported("tfc_w1a1"), "--out", out))
    assert "verifying step 'convert_to_hw' failed at node 'MVAU_0' (MVAU): ValueError: operands could not" in line
    assert_no_build_left(out)


def test_a_users_own_step_failing_is_the_users_error(tmp_path, exported):
    """A step the user inserted by name (module:function) is their code: a BcnnError naming it."""
    out = tmp_path / "b"
    cfg = BuildConfig(model=str(exported("tfc_w1a1")), out=str(out), steps=["tidy", "tests.custom_step:divide_by_zero"])
    with pytest.raises(BcnnError, match=r"your step 'tests.custom_step:divide_by_zero' failed: ZeroDivisionError"):
        run_build(cfg, show_progress=False)
    assert_no_build_left(out)


def test_a_bcnn_error_inside_a_step_passes_unchanged(tmp_path, exported):
    folding = tmp_path / "folding.json"
    folding.write_text('{"MVAU_hls_0": {"PE": 3}}')
    out = tmp_path / "b"
    result = run_cli("build", exported("tfc_w1a1"), "--folding", folding, "--out", out)
    assert result.exit_code == 2 and "this is a bcnn bug" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"error: --folding {folding}: layer 'MVAU_hls_0' (MVAU_hls): PE=3 "
                                                   "does not divide MH=64; valid PE values: [1, 2, 4, 8, 16, 32, 64]"]
    assert_no_build_left(out)


def test_an_exception_outside_a_build_is_named_too(tmp_path, monkeypatch):
    """Any command: the exception's type, message and line, without a traceback."""
    monkeypatch.setattr(report, "load_estimates", broken_load_estimates)
    line = one_error_line(run_cli("report", tmp_path))
    assert line.startswith("error: bcnn report failed: KeyError: 'layers' in tests/injected_failures.py:"), line
