"""The FIFO cost model (build_flows/rtl/fifo_cost.py) against Yosys' own mapping of bcnn_fifo,
around the LUT RAM / block RAM switch, at the depths real designs stitch and in UltraRAM; the
estimates of a built design counting exactly the FIFOs its RTL instantiates; on a part with
UltraRAM, the FIFOs that would take block RAM in UltraRAM while it lasts, simulated bit-exact."""
import json

import pytest

from build_flows.boards import get_board
from build_flows.custom_op.base import hw_source
from build_flows.rtl.fifo_cost import fifo_cost
from build_flows.rtl.fifo_plan import place_in_ultra_ram
from build_flows.rtl.top_source import Stream
from build_flows.synth.yosys import SynthJob, synthesize
from tests.streams import simulate_bit_exact

# (family, width, depth): either side of the switch at 8 and 1 bits, wide and shallow, deep block RAM
CONFIGS = [("xcup", 8, 32), ("xcup", 216, 32), ("xcup", 8, 64), ("xcup", 16, 128), ("xcup", 8, 312), ("xcup", 8, 406),
           ("xcup", 1, 2048), ("xcup", 1, 3000), ("xcup", 4, 16384), ("xcup", 9, 8192),
           ("xc7", 8, 32), ("xc7", 8, 256), ("xc7", 8, 400)]


@pytest.mark.parametrize("family,width,depth", CONFIGS, ids=[f"{f}-{w}x{d}" for f, w, d in CONFIGS])
def test_the_model_puts_a_fifo_where_yosys_puts_it(family, width, depth, tmp_path):
    got = synthesize(SynthJob(f"fifo_{width}x{depth}", "bcnn_fifo", [hw_source("fifo/bcnn_fifo.sv")],
                              {"WIDTH": width, "DEPTH": depth}), family, tmp_path)["resources"]
    model = fifo_cost(width, depth, family)
    assert (model.bram_18k, model.lutram) == (got["bram_18k"], got["lutram"])
    assert abs(model.lut - got["lut_total"]) <= max(12, 0.3 * got["lut_total"])


# (width, depth, URAM288): narrow words packed by 9-bit lanes, wide ones side by side
ULTRA = [(9, 32768, 1), (8, 2928, 1), (18, 8192, 1), (144, 2048, 2)]


@pytest.mark.parametrize("width,depth,urams", ULTRA, ids=[f"{w}x{d}" for w, d, _ in ULTRA])
def test_a_fifo_asked_for_ultra_ram_gets_it(width, depth, urams, tmp_path):
    got = synthesize(SynthJob(f"fifo_{width}x{depth}_ultra", "bcnn_fifo", [hw_source("fifo/bcnn_fifo.sv")],
                              {"WIDTH": width, "DEPTH": depth, "RAM_STYLE": "ultra"}, uram=True), "xcup",
                     tmp_path)["resources"]
    model = fifo_cost(width, depth, "xcup", "ultra")
    assert (got["uram"], got["bram_18k"], got["lutram"]) == (model.uram, 0, 0) == (urams, 0, 0)


def test_a_fifo_asked_for_block_ram_gets_it_where_lut_ram_would_be_cheaper(tmp_path):
    got = synthesize(SynthJob("fifo_8x312_block", "bcnn_fifo", [hw_source("fifo/bcnn_fifo.sv")],
                              {"WIDTH": 8, "DEPTH": 312, "RAM_STYLE": "block"}, uram=True), "xcup",
                     tmp_path)["resources"]
    assert fifo_cost(8, 312, "xcup").lutram > 0
    assert (got["bram_18k"], got["uram"], got["lutram"]) == (fifo_cost(8, 312, "xcup", "block").bram_18k, 0, 0) == (1, 0, 0)


def test_ultra_ram_takes_the_fifos_of_most_block_ram_while_it_lasts():
    fifos = [Stream("a", 0, 0, 1, 0, 9, 32768), Stream("b", 1, 0, 2, 0, 8, 32), Stream("c", 2, 0, 3, 0, 8, 2928),
             Stream("d", 3, 0, 4, 0, 8, 406)]
    place_in_ultra_ram(fifos, 2)
    assert [f.ram_style for f in fifos] == ["ultra", "auto", "ultra", "block"]  # 16, LUT RAM, 2, 1 BRAM18
    place_in_ultra_ram(fifos, 0)  # no UltraRAM on the part: nothing is asked for
    assert [f.ram_style for f in fifos] == ["ultra", "auto", "ultra", "block"]


def test_block_ram_takes_the_cheapest_aspect_ratio():
    assert fifo_cost(9, 32768, "xcup").bram_18k == 16  # RAMB36 4K x 9, eight of them
    assert fifo_cost(1, 16384, "xcup").bram_18k == 1  # RAMB18 16K x 1
    assert fifo_cost(72, 512, "xcup").bram_18k == 2  # RAMB36 512 x 72


def test_estimates_count_the_fifos_the_rtl_instantiates(built):
    build = built("resnet_small", method="bireal")
    est = json.loads((build / "report" / "estimates.json").read_text())
    info = json.loads((build / "rtl" / "stitch.json").read_text())
    fifos = [s for s in info["streams"] if s["dst"] is not None]
    costs = [fifo_cost(s["width"], s["depth"], get_board(est["board"]).family, s["ram_style"]) for s in fifos]
    assert est["fifos"]["count"] == len(fifos) > 0
    assert est["fifos"]["bram_18k"] == sum(c.bram_18k for c in costs) > 0  # the shortcuts
    assert est["fifos"]["lut"] == sum(c.lut for c in costs)
    assert est["totals"]["bram_18k"] == est["layer_totals"]["bram_18k"] + est["fifos"]["bram_18k"]
    assert est["totals"]["lut"] == est["layer_totals"]["lut"] + est["fifos"]["lut"]


def test_on_a_part_with_ultra_ram_the_fifos_use_it_and_stream_bit_exact(built, tmp_path):
    build = built("resnet_small", method="bireal", board="KV260")
    est = json.loads((build / "report" / "estimates.json").read_text())
    info = json.loads((build / "rtl" / "stitch.json").read_text())
    ultra = [s for s in info["streams"] if s["ram_style"] == "ultra"]
    assert sum(s["shortcut"] for s in ultra) == 3  # the three shortcuts, deep enough for block RAM
    assert est["fifos"]["uram"] == len(ultra) and est["fifos"]["bram_18k"] == 0
    assert ".RAM_STYLE(\"ultra\")" in (build / "rtl" / "bcnn_core.sv").read_text()
    simulate_bit_exact(build, tmp_path, frames=2, backpressure=True, min_streams=30)
