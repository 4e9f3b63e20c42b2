"""The FPS a board delivers: the pipeline's rate or what its data movement (the AXI DMA through
one HP port of the PS) moves, the smaller. The estimates, the report and the simulation headline
it; the folding searches do not buy lanes past it."""
import json
from dataclasses import replace

import pytest
from qonnx.core.modelwrapper import ModelWrapper

from build_flows.analysis.data_movement import data_movement, port_floor_cycles
from build_flows.analysis.estimates import layer_estimates
from build_flows.analysis.report import fps_line
from build_flows.boards import get_board
from build_flows.folding.grow_bottleneck import fastest_folding
from build_flows.sim.simulate import simulate


def side(beats: int, elems: int, bits: int, bus: int) -> dict:
    return {"beats_per_frame": beats, "elems_per_beat": elems, "bits": bits, "bus_bits": bus}


def estimates(out):
    return json.loads((out / "report" / "estimates.json").read_text())


def test_a_wide_input_stream_is_bound_by_the_hp_port():
    # TFC's input at the finn-examples folding: 16 beats of 49 8-bit pixels (392 bits, a 512-bit bus)
    sides = {"input": side(16, 49, 8, 512), "output": side(1, 1, 4, 8)}
    zynq7 = data_movement(sides, "zynq_7000", 100.0)
    assert (zynq7["input_cycles"], zynq7["output_cycles"], zynq7["cycles_per_frame"]) == (128, 1, 128)  # 16 * 512 / 64
    assert zynq7["fps"] == pytest.approx(100e6 / 128) and "64-bit HP port" in zynq7["by"]
    assert data_movement(sides, "zynq_us+", 100.0)["cycles_per_frame"] == 64  # a 128-bit HP port
    assert data_movement(sides, None, 100.0)["cycles_per_frame"] == 16  # Alveo: one bus beat a cycle
    # at full width the port would move the 784 pixels in 98 cycles: no folding does better
    assert port_floor_cycles(sides, "zynq_7000") == 98 and port_floor_cycles(sides, None) == 1


def test_a_narrow_stream_moves_one_beat_per_cycle():
    sides = {"input": side(784, 1, 8, 8), "output": side(1, 1, 4, 8)}
    assert data_movement(sides, "zynq_7000", 100.0)["cycles_per_frame"] == 784


def test_the_estimates_headline_the_smaller_rate(built):
    fast = estimates(built("tfc_w1a1", folding="tfc_w1a1"))
    assert fast["analytic_cycles_per_frame"] == 64
    assert fast["pipeline_fps_at_clock"] == pytest.approx(1e9 / (10 * 64))
    assert fast["data_movement"]["cycles_per_frame"] == 128
    assert fast["fps_at_clock"] == pytest.approx(1e9 / (10 * 128))
    assert "bounded by the AXI DMA through a 64-bit HP port" in fps_line(fast)
    assert "1,562,500" in fps_line(fast)  # the pipeline's rate beside it
    slow = estimates(built("tfc_w1a1"))  # the default folding: the slowest layer bounds it
    assert slow["fps_at_clock"] == slow["pipeline_fps_at_clock"] < slow["data_movement"]["fps"]
    assert "bottleneck" in slow["fps_bounded_by"] and "bounded by" not in fps_line(slow)


def test_the_simulation_reports_the_board_rate(built):
    r = simulate(built("tfc_w1a1", folding="tfc_w1a1"), frames=3)
    assert r["cycles_per_frame"] == pytest.approx(64, abs=1)
    assert r["fps_at_clock"] == pytest.approx(1e9 / (10 * 128))
    assert r["pipeline_fps_at_clock"] == pytest.approx(1e9 / (10 * r["cycles_per_frame"]))


def test_the_fastest_folding_stops_where_the_data_movement_binds(built):
    """On the Pynq-Z1 the bottleneck grows until the pipeline keeps up with the HP port, and no
    further; the same search on a board whose data movers take a beat a cycle goes on."""
    df_path = built("tfc_w1a1") / "dataflow.onnx"
    zynq = get_board("Pynq-Z1")
    unbounded = replace(zynq, shell="alveo")  # the same part and budget, no HP port
    results = {}
    for board in (zynq, unbounded):
        df = ModelWrapper(str(df_path))
        history = fastest_folding(df, board, lut_cap=0.85)
        layers = layer_estimates(df, board.part)
        results[board.shell] = history, max(x["cycles"] for x in layers), sum(x["lut"] for x in layers)
    history, cycles, luts = results["zynq"]
    assert "HP port" in history[-1]["stop"] and cycles <= 128
    _, cycles_unbounded, luts_unbounded = results["alveo"]
    assert cycles_unbounded < cycles and luts_unbounded > luts
