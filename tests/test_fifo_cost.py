"""The FIFO cost model (build_flows/rtl/fifo_cost.py) against Yosys' own mapping of bcnn_fifo,
around the LUT RAM / block RAM switch and at the depths real designs stitch, and the estimates of a
built design counting exactly the FIFOs its RTL instantiates."""
import json

import pytest

from build_flows.boards import get_board
from build_flows.custom_op.base import hw_source
from build_flows.rtl.fifo_cost import fifo_cost
from build_flows.synth.yosys import SynthJob, synthesize

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


def test_block_ram_takes_the_cheapest_aspect_ratio():
    assert fifo_cost(9, 32768, "xcup").bram_18k == 16  # RAMB36 4K x 9, eight of them
    assert fifo_cost(1, 16384, "xcup").bram_18k == 1  # RAMB18 16K x 1
    assert fifo_cost(72, 512, "xcup").bram_18k == 2  # RAMB36 512 x 72


def test_estimates_count_the_fifos_the_rtl_instantiates(built):
    build = built("resnet_small", method="bireal")
    est = json.loads((build / "report" / "estimates.json").read_text())
    info = json.loads((build / "rtl" / "stitch.json").read_text())
    fifos = [s for s in info["streams"] if s["dst"] is not None]
    costs = [fifo_cost(s["width"], s["depth"], get_board(est["board"]).family) for s in fifos]
    assert est["fifos"]["count"] == len(fifos) > 0
    assert est["fifos"]["bram_18k"] == sum(c.bram_18k for c in costs) > 0  # the shortcuts
    assert est["fifos"]["lut"] == sum(c.lut for c in costs)
    assert est["totals"]["bram_18k"] == est["layer_totals"]["bram_18k"] + est["fifos"]["bram_18k"]
    assert est["totals"]["lut"] == est["layer_totals"]["lut"] + est["fifos"]["lut"]
