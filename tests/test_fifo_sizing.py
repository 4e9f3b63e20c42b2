"""FIFO sizing by simulation: fewer FIFO bits at the same simulated interval, bit-exact and
deadlock-free under backpressure; a shortcut keeps its computed depth; the sized config builds."""
import json

import pytest
from click.testing import CliRunner

from build_flows.cli import main
from build_flows.config import BuildConfig
from build_flows.explore.fifo_sizing import fifo_table, size_fifos
from build_flows.flow import run_build
from build_flows.sim.simulate import simulate
from models.errors import BcnnError


def test_tfc_fifos_shrink_at_the_same_interval_and_the_sized_config_builds(built, tmp_path):
    out = built("tfc_w1a1", folding="tfc_w1a1")
    result = CliRunner().invoke(main, ["size-fifos", str(out), "--frames", "4"])
    assert result.exit_code == 0, result.output
    r = json.loads((out / "report" / "fifo_sizing.json").read_text())
    assert r["cycles_per_frame_sized"] == r["cycles_per_frame_stitched"] == r["analytic_cycles_per_frame"]
    assert r["fifo_bits"]["sized"] < r["fifo_bits"]["stitched"] / 4
    assert all(2 <= f["sized_depth"] <= f["depth"] for f in r["fifos"])
    own = json.loads((out / "sim" / "report.json").read_text())  # the build's own verdict, not a round's
    assert own["fifo_caps"] == {} and own["fifo_depths"] == [f["depth"] for f in r["fifos"]]
    sized = BuildConfig.load(out / "fifo_sized.yaml")
    sized.out = str(tmp_path / "sized")
    again = run_build(sized, show_progress=False)
    assert {f["name"]: f["depth"] for f in fifo_table(again)} == {f["name"]: f["sized_depth"] for f in r["fifos"]}
    check = simulate(again, frames=4, backpressure=True)
    assert check["bit_exact"]


@pytest.mark.heavy  # test_residual.py checks the shortcut depth's tightness in CI
def test_a_shortcut_keeps_its_computed_depth(built):
    out = built("tfc_w1a1", method="bireal")
    r = size_fifos(out, frames=3)
    shortcuts = [f for f in r["fifos"] if f["shortcut"]]
    assert shortcuts and all(f["sized_depth"] == f["depth"] for f in shortcuts)
    assert r["cycles_per_frame_sized"] <= r["cycles_per_frame_stitched"] * 1.001


def test_one_frame_is_refused():
    with pytest.raises(BcnnError, match="at least 2"):
        size_fifos("nowhere", frames=1)
