"""Open-source synthesis (Yosys): resources and logic levels read off real netlists, memories in
the resource FINN+'s ram_style (or its estimate) puts them, registered layer boundaries. A whole
design synthesized as a build output is checked in tests/test_cli.py (the demo)."""
import shutil
from pathlib import Path

import numpy as np
import pytest

from build_flows.analysis.timing import delay_models
from build_flows.synth.netlist import Netlist, resource_counts
from build_flows.synth.yosys import SynthJob, synthesize
from hw import source_root
from hw.memfiles import write_hex


def test_resources_are_counted_as_vendor_reports_count_them():
    counts = resource_counts({"LUT6": 3, "LUT2": 1, "RAM64M": 2, "SRLC32E": 1, "FDRE": 5, "FDSE": 1,
                              "RAMB36E1": 2, "RAMB18E1": 1, "CARRY4": 4, "MUXF7": 2, "DSP48E1": 1})
    assert counts == {"lut": 4, "lutram": 9, "ff": 6, "bram_18k": 5, "uram": 0, "dsp": 1, "carry": 4, "muxf": 2,
                      "lut_total": 13}


def _cell(kind, inputs, outputs, directions=None):
    conns = {**{p: b for p, b in inputs.items()}, **{p: b for p, b in outputs.items()}}
    dirs = {p: "input" for p in inputs} | {p: "output" for p in outputs}
    return {"type": kind, "connections": conns, "port_directions": directions or dirs, "parameters": {}}


def test_logic_levels_and_port_paths_of_a_small_netlist():
    """in -> LUT -> CARRY -> FF -> LUT -> out; LUT RAM written from `in` but read at a registered
    address: only the first chain is a port-to-FF path, nothing joins a port to a port."""
    module = {
        "ports": {"clk": {"direction": "input", "bits": [1]}, "din": {"direction": "input", "bits": [2]},
                  "dout": {"direction": "output", "bits": [7]}, "ram_out": {"direction": "output", "bits": [9]}},
        "cells": {
            "l1": _cell("LUT2", {"I0": [2], "I1": [2]}, {"O": [3]}),
            "c1": _cell("CARRY4", {"S": [3]}, {"O": [4]}),
            "ff": _cell("FDRE", {"D": [4], "C": [1]}, {"Q": [5]}),
            "l2": _cell("LUT1", {"I0": [5]}, {"O": [7]}),
            "addr": _cell("FDRE", {"D": [5], "C": [1]}, {"Q": [8]}),
            "ram": _cell("RAM64X1D", {"D": [2], "WE": [2], "WCLK": [1], "DPRA0": [8]}, {"DPO": [9]}),
        },
    }
    netlist = Netlist(module)
    levels = netlist.logic_levels()
    assert levels["levels"] == 2 and levels["path_cells"] == {"CARRY4": 1, "LUT2": 1}
    assert netlist.port_paths() == []
    module["cells"]["l3"] = _cell("LUT2", {"I0": [2], "I1": [5]}, {"O": [10]})
    module["ports"]["flag"] = {"direction": "output", "bits": [10]}
    assert Netlist(module).port_paths() == [("din", "flag")]


def test_the_costliest_path_by_a_delay_model_is_not_always_the_one_with_most_cells():
    """A chain of eight carries (one entry, seven chained) beside five LUTs in a row: the carry
    chain has more cells, the LUTs cost more on every family's model."""
    chain = {f"c{i}": _cell("CARRY4", {"CI": [10 + i]}, {"CO": [11 + i]}) for i in range(8)}
    luts = {f"l{i}": _cell("LUT6", {"I0": [30 + i]}, {"O": [31 + i]}) for i in range(5)}
    module = {"ports": {"clk": {"direction": "input", "bits": [1]}},
              "cells": {"ff_a": _cell("FDRE", {"D": [18], "C": [1]}, {"Q": [10]}),
                        "ff_b": _cell("FDRE", {"D": [35], "C": [1]}, {"Q": [30]}), **chain, **luts}}
    netlist = Netlist(module)
    assert netlist.logic_levels()["path_cells"] == {"CARRY4": 8}
    for family, model in delay_models().items():
        path = netlist.delay_path(model.cell_ns)
        assert path["path_cells"] == {"LUT6": 5} and path["ns"] == pytest.approx(5 * model.lut_ns), family
        assert model.carry_entry_ns + 7 * model.carry_chained_ns < 5 * model.lut_ns


@pytest.mark.parametrize("style, bram, family", [("block", 4, "xc7"), ("distributed", 0, "xc7"), ("block", 4, "xcup")])
def test_a_rom_lands_in_the_resource_its_style_names(style, bram, family, tmp_path):
    """2048 x 32 random bits (no constant column to optimize away): FINN+'s formula gives 4 BRAM18
    (2048/1024 x 32/18 rounded up), on 7-series (RAMB36E1) and UltraScale+ (RAMB36E2) alike."""
    write_hex(tmp_path / "rom.hex", np.random.default_rng(1).integers(0, 1 << 32, 2048), 32)
    job = SynthJob(f"rom_{style}", "bcnn_rom", [source_root() / "memory" / "bcnn_rom.sv"],
                   {"WIDTH": 32, "DEPTH": 2048, "INIT_FILE": "rom.hex", "STYLE": style}, [tmp_path / "rom.hex"])
    r = synthesize(job, family, tmp_path / "work", cache=tmp_path / "cache")
    assert r["resources"]["bram_18k"] == bram
    assert (r["resources"]["lut"] > 2048 * 32 // 64) == (style == "distributed")  # 64 ROM bits per LUT6 at best
    again = synthesize(job, family, tmp_path / "work", cache=tmp_path / "cache")
    assert again["cached"] and again["resources"] == r["resources"]


@pytest.mark.parametrize("depth, memory", [(32, "lutram"), (72, "bram_18k")])
def test_a_fifo_has_no_combinational_path_between_its_ports(depth, memory, tmp_path):
    """What makes every layer boundary of the stitched core a registered one, whether the FIFO's
    memory is LUT RAM or (deeper, Yosys' choice) block RAM."""
    job = SynthJob("fifo", "bcnn_fifo", [source_root() / "fifo" / "bcnn_fifo.sv"], {"WIDTH": 32, "DEPTH": depth})
    r = synthesize(job, "xc7", tmp_path / "work", cache=tmp_path / "cache")
    assert r["port_paths"] == [] and r["resources"][memory] > 0




def test_without_the_whole_top_the_verdict_is_the_sum_of_the_parts_and_the_slowest_part(built, tmp_path):
    """`bcnn synth --layers-only` (large designs: one Yosys run per layer, in parallel): the totals
    are the layers' and FIFOs' sums, the longest path the slowest part's (every layer boundary is a
    registered FIFO), and the verdict is taken on them."""

    from build_flows.synth.design import synthesize_build

    out = tmp_path / "tfc"
    shutil.copytree(built("tfc_w1a1", folding="tfc_w1a1"), out)
    report = synthesize_build(out, whole=False, show_progress=False)
    assert report["basis"] == "sum of parts" and report["total"]["lut_total"] == report["sum_of_parts"]["lut_total"]
    assert report["total"]["bram_18k"] == sum(layer["bram_18k"] for layer in report["layers"]) + report["fifos"]["total"]["bram_18k"]
    slowest = max(layer["delay_path_ns"] for layer in report["layers"])
    assert report["timing"]["critical_path"]["ns"] >= slowest and report["registered_layer_boundaries"]
    assert report["fits_board"] == (not report["over_budget"]) and report["timing"]["fits"]


def test_a_layer_abc9_stops_on_is_mapped_by_abc_and_counted_the_same_way(tmp_path):
    """A 27-lane MVAU of 8-bit inputs and 2-bit weights (ResNet-20's stem): Yosys' ABC9 stops on an
    assertion in its own check (&verify with carry boxes); the job retries with `abc` for the LUT
    mapping and says so, instead of failing the build."""
    # the weights of `bcnn export --random-init --model resnet20 --method bireal` (seed 0): whether
    # ABC9 stops depends on them (random ones of the same shape map)
    shutil.copyfile(Path(__file__).parent / "data" / "resnet20_stem_weights.hex", tmp_path / "weights.hex")
    (tmp_path / "thresholds.hex").write_text("0\n")
    root = source_root()
    job = SynthJob("stem", "bcnn_mvau", [root / "memory" / "bcnn_rom.sv", root / "mvau" / "bcnn_activate.sv",
                                         root / "mvau" / "bcnn_sum_tree.sv", root / "mvau" / "bcnn_xnor_popcount.sv",
                                         root / "mvau" / "bcnn_mvau.sv"],
                   dict(MW=27, MH=16, PE=1, SIMD=27, IN_BITS=8, IN_SIGNED=1, W_BITS=2, W_BIPOLAR=0, XNOR=0, ACC_BITS=13,
                        N_THRES=0, OUT_BITS=13, WEIGHT_FILE="weights.hex", THRESH_FILE="thresholds.hex"),
                   [tmp_path / "weights.hex", tmp_path / "thresholds.hex"])
    result = synthesize(job, "xcup", tmp_path / "work", cache=tmp_path / "cache")
    assert result["lut_mapper"] == "abc" and result["resources"]["lut"] > 100 and result["delay_path"]["ns"] > 0
    assert "abc -luts" in (tmp_path / "work" / "synth.ys").read_text()
