"""--target-fps: the design reaches the target, or the build says which limit stops it (data
movement, budget, a fully parallel layer) and what would pass it; where FINN+'s SetFolding stops
short of a reachable target, the bottleneck grows on to it."""
import json

import pytest
from click.testing import CliRunner
from qonnx.core.modelwrapper import ModelWrapper

from build_flows.cli import main
from build_flows.config import BuildConfig
from build_flows.folding.target import target_outcome


def estimates(out):
    return json.loads((out / "report" / "estimates.json").read_text())


def test_a_target_setfolding_stops_short_of_is_reached_by_growing_the_bottleneck(built):
    # 20 cycles/frame on an Alveo card (no HP port): SetFolding's weight-stream cap (36 bits a PE)
    # holds TFC's first binary layer at SIMD 28 = 28 cycles; the bottleneck grows past it
    target = 1e9 / (3.0 * 20)
    est = estimates(built("tfc_w1a1", board="U250", clock_ns=3.0, target_fps=target))
    assert est["analytic_cycles_per_frame"] <= 20
    assert est["target"]["met"] and est["target"]["limit"] is None and est["fps_at_clock"] >= target


def test_a_target_past_the_data_movement_names_the_hp_port(built):
    est = estimates(built("tfc_w1a1", target_fps=5e6))
    t = est["target"]
    assert not t["met"] and t["fps_reached"] == pytest.approx(est["data_movement"]["fps"])
    assert "64-bit HP port moves at most" in t["limit"] and "--clock-ns" in t["limit"]


def test_a_target_over_the_budget_says_so_and_names_fold_search(tmp_path, exported):
    model = exported("tfc_w1a1")
    result = CliRunner().invoke(main, ["build", str(model), "--target-fps", "500000", "--lut-cap", "0.02",
                                       "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    est = estimates(tmp_path / "b")
    t = est["target"]
    assert not t["met"] and not est["fits_board"] and "over the budget (LUT" in t["limit"]
    assert "2% of 53,200" in t["limit"]
    assert "--target-fps 500,000 not reached" in result.output and "bcnn fold-search" in result.output
    assert BuildConfig.load(tmp_path / "b" / "build.yaml").target_fps == 500000


def test_a_layer_the_budget_holds_back_is_named_with_its_next_step(built):
    out = built("tfc_w1a1")  # the default folding: within the budget, the pipeline bounds it
    est = estimates(out)
    cfg = BuildConfig.load(out / "build.yaml")
    cfg.target_fps = 10 * est["fps_at_clock"]
    t = target_outcome(ModelWrapper(str(out / "dataflow.onnx")), est, cfg)
    assert not t["met"] and t["limit"].startswith(f"{est['bottleneck_layer']} ({est['analytic_cycles_per_frame']:,}")
    assert "cannot take its next folding step (SIMD=" in t["limit"] or "(PE=" in t["limit"]
