"""--folding fastest: the bottleneck grows while the design fits the board's LUT cap (width
converters included), the result simulates bit-exact at its analytic interval, and a tighter cap
gives a slower design, never one over the cap. bcnn fold-search: the same, fit by synthesis."""
import json

import pytest
from click.testing import CliRunner

from build_flows.boards import get_board
from build_flows.cli import main
from build_flows.sim.simulate import simulate


def estimates(out):
    return json.loads((out / "report" / "estimates.json").read_text())


@pytest.mark.parametrize("cap", [0.85, 0.05])
def test_fastest_folding_fits_its_cap(built, cap):
    out = built("tfc_w1a1", folding="fastest", lut_cap=cap)
    est = estimates(out)
    assert est["utilization"]["lut"] <= cap and est["utilization"]["bram_18k"] <= 1
    if cap == 0.85:  # room for everything: the pipeline keeps up with the Pynq-Z1's HP port
        assert est["analytic_cycles_per_frame"] <= est["data_movement"]["port_cycles"] == 98  # 784 bytes, 8 a cycle
        r = simulate(out, frames=3)
        assert r["bit_exact"] and r["cycles_vs_analytic"] == pytest.approx(1.0, abs=0.02)


def test_a_tighter_cap_is_slower(built):
    wide, narrow = (estimates(built("tfc_w1a1", folding="fastest", lut_cap=c)) for c in (0.85, 0.05))
    assert narrow["analytic_cycles_per_frame"] > wide["analytic_cycles_per_frame"]
    assert narrow["totals"]["lut"] <= 0.05 * get_board("Pynq-Z1").lut < wide["totals"]["lut"]


@pytest.mark.heavy  # Yosys over a whole design per round
def test_fold_search_rescales_the_estimates_by_synthesis(exported, tmp_path):
    """Round 0 trusts FINN+'s estimates; round 1 folds with the LUT ratio synthesis measured on
    round 0's design; the design kept fits the cap by synthesis and is the fastest that did."""
    result = CliRunner().invoke(main, ["fold-search", str(exported("tfc_w1a1")), "--lut-cap", "0.05", "--rounds", "2",
                                       "--out", str(tmp_path / "fs")])
    assert result.exit_code == 0, result.output
    r = json.loads((tmp_path / "fs" / "fold_search.json").read_text())
    first, second = r["rounds"][:2]
    assert first["lut_per_estimate"] == 1.0 and first["fits"]
    assert second["lut_per_estimate"] == pytest.approx(first["measured_ratio"])
    assert first["measured_ratio"] < 1  # our RTL is smaller than FINN+'s estimate
    best = r["best"]
    assert best["lut_synthesized"] <= 0.05 * get_board("Pynq-Z1").lut and best["fits"]
    assert best["cycles_per_frame"] == min(x["cycles_per_frame"] for x in r["rounds"] if x["fits"])
    assert "fastest that fits" in result.output


def test_when_block_ram_binds_weights_move_to_luts_and_the_design_stays_exact(built, tmp_path, monkeypatch):
    """On a board with few BRAM18 and LUTs to spare, the search moves the emptiest weight memories
    to LUTs (ram_style distributed) to keep growing the bottleneck: faster than the same search
    without that move, within the BRAM18, and the folding it found builds and simulates bit-exact."""
    from dataclasses import replace

    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.custom_op.registry import getCustomOp

    import build_flows.folding.grow_bottleneck as fs
    from build_flows.analysis.estimates import layer_estimates

    board = replace(get_board("Pynq-Z1"), bram_18k=24)
    df_path = built("tfc_w1a1") / "dataflow.onnx"

    def search(relieve: bool):
        df = ModelWrapper(str(df_path))
        if not relieve:
            monkeypatch.setattr(fs, "weights_to_luts", lambda *args: [])
        history = fs.fastest_folding(df, board, lut_cap=0.85)
        monkeypatch.undo()
        layers = layer_estimates(df, board.part)
        return df, history, max(x["cycles"] for x in layers), sum(x["bram_18k"] for x in layers)

    df, history, cycles, bram = search(relieve=True)
    _, _, cycles_block_only, bram_block_only = search(relieve=False)
    moved = [name for step in history for name in step.get("weights_in_luts", [])]
    assert moved and bram <= 24 and bram_block_only <= 24
    assert cycles < cycles_block_only
    folding = {n.name: {a: getCustomOp(n).get_nodeattr(a) for a in ("PE", "SIMD", "ram_style")
                        if a in getCustomOp(n).get_nodeattr_types()}
               for n in df.graph.node if "PE" in getCustomOp(n).get_nodeattr_types()}
    assert all(folding[name]["ram_style"] == "distributed" for name in moved)
    (tmp_path / "folding.json").write_text(json.dumps(folding))
    out = built("tfc_w1a1", folding=str(tmp_path / "folding.json"))
    assert estimates(out)["analytic_cycles_per_frame"] == cycles
    r = simulate(out, frames=6)
    assert r["bit_exact"] and r["cycles_vs_analytic"] == pytest.approx(1.0, abs=0.02)
