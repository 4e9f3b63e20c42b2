"""One fit predicate (analysis/fit.py): LUTs within the cap, block RAM, UltraRAM and DSPs within
the board, from estimates (scaled) or synthesis, with what exceeds named."""
from build_flows.analysis.fit import Usage, fits, over_budget
from build_flows.analysis.timing import delay_model, delay_models, timing
from build_flows.boards import get_board
from build_flows.config import BuildConfig, default

PYNQ = get_board("Pynq-Z1")


def test_luts_fit_up_to_the_cap_and_no_further():
    assert fits(Usage(lut=0.85 * PYNQ.lut, bram_18k=PYNQ.bram_18k), PYNQ, 0.85)
    assert not fits(Usage(lut=0.85 * PYNQ.lut + 1, bram_18k=0), PYNQ, 0.85)
    assert fits(Usage(lut=PYNQ.lut, bram_18k=0), PYNQ, 1.0)


def test_every_other_resource_is_bounded_by_the_board_and_named_when_over():
    assert over_budget(Usage(lut=10, bram_18k=PYNQ.bram_18k + 1), PYNQ, 0.85) == ["BRAM18 281 > 280 (280)"]
    assert over_budget(Usage(lut=10, bram_18k=0, uram=1), PYNQ, 0.85) == ["URAM 1 > 0 (0)"]  # a Zynq-7000 has none
    assert fits(Usage(lut=10, bram_18k=0, uram=1), get_board("KV260"), 0.85)
    said = over_budget(Usage(lut=60000, bram_18k=0, dsp=221), PYNQ, 0.85)
    assert said[0].startswith("LUT 60,000 > 45,220 (85% of 53,200)") and said[1] == "DSP 221 > 220 (220)"


def test_estimates_are_scaled_as_a_fold_search_scales_them_and_synthesis_counts_lut_ram():
    assert Usage.from_estimates({"lut": 1000, "bram_18k": 2, "uram": 0, "dsp": 1}, 2.5) == Usage(2500, 2, 0, 1)
    assert Usage.from_synth({"lut_total": 700, "lut": 600, "bram_18k": 3}) == Usage(700, 3)


def test_the_cli_shows_the_build_configs_defaults():
    assert default("lut_cap") == BuildConfig.__dataclass_fields__["lut_cap"].default
    assert default("outputs") == ["estimates", "rtl"]


def test_the_delay_model_costs_a_cell_by_kind_and_a_chained_carry_less_than_the_first():
    for family, model in delay_models().items():
        assert model.cell_ns("LUT6", False) == model.cell_ns("MUXF7", False) == model.cell_ns("RAM64M", False) > 0
        assert model.cell_ns("CARRY4", True) < model.cell_ns("CARRY4", False) or family == "xcup"
        assert model.cell_ns("CARRY4", True) < model.cell_ns("LUT6", False)
        assert model.cell_ns("INV", False) == 0 and model.cell_ns("DSP48E2", False) > model.cell_ns("LUT6", False)
        assert model.source and model.measured_on and model.margin_ns > 0 and model.period_ns(0) == model.intercept_ns


def test_a_path_longer_than_the_clock_is_named_and_estimates_are_checked_on_resources_only():
    u96 = get_board("Ultra96-V2")
    assert fits(Usage(lut=10, bram_18k=0, period_ns=4.0), u96, 0.85, clock_ns=4.0)
    said = over_budget(Usage(lut=10, bram_18k=0, period_ns=4.2), u96, 0.85, clock_ns=4.0)
    assert said == ["longest path 4.20 ns > the 4 ns clock (the xcup delay model's proxy)"]
    assert fits(Usage(lut=10, bram_18k=0, period_ns=4.2), u96, 0.85, clock_ns=5.0)  # a slower clock
    assert fits(Usage(lut=10, bram_18k=0), u96, 0.85, clock_ns=1.0)  # no path known: resources only
    model = delay_model("xcup")
    path = {"ns": 4 * model.lut_ns, "levels": 4}
    verdict = timing(path, 4, "xcup", 4.0)
    assert verdict["proxy_period_ns"] == round(model.intercept_ns + 4 * model.lut_ns, 3) and verdict["fits"]
    assert not timing({"ns": 4.0, "levels": 9}, 9, "xcup", 4.0)["fits"]


def test_every_boards_family_has_a_delay_model():
    from build_flows.boards import all_boards
    assert {b.family for b in all_boards().values()} <= set(delay_models())
