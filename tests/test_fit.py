"""One fit predicate (analysis/fit.py): LUTs within the cap, block RAM, UltraRAM and DSPs within
the board, from estimates (scaled) or synthesis, with what exceeds named."""
from build_flows.analysis.fit import Usage, fits, over_budget
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
