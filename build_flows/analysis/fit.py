"""Whether a design fits its board: the one predicate every search, sweep and report uses.

A design fits when its LUTs (logic and LUT RAM) stay within `lut_cap` of the board's, leaving
the rest for routing and the shell, and its block RAM, UltraRAM and DSP slices within the
board's. The resources are FINN+'s estimates (LUTs scaled by a synthesized/estimated ratio where
one was measured) or Yosys' synthesis of the stitched design."""
from dataclasses import dataclass

from ..boards import Board


@dataclass(frozen=True)
class Usage:
    lut: float
    bram_18k: float
    uram: float = 0
    dsp: float = 0

    @classmethod
    def from_estimates(cls, totals: dict, lut_per_estimate: float = 1.0) -> "Usage":
        """From estimates.json's totals (or any dict of lut, bram_18k, uram, dsp)."""
        return cls(lut_per_estimate * totals["lut"], totals["bram_18k"], totals.get("uram", 0), totals.get("dsp", 0))

    @classmethod
    def from_synth(cls, total: dict) -> "Usage":
        """From synth.json's whole-design total (lut_total counts logic and LUT RAM)."""
        return cls(total["lut_total"], total["bram_18k"], total.get("uram", 0), total.get("dsp", 0))


def over_budget(usage: Usage, board: Board, lut_cap: float) -> list:
    """What exceeds the budget, one phrase per resource ([] when the design fits)."""
    limits = (("LUT", usage.lut, lut_cap * board.lut, f"{lut_cap:.0%} of {board.lut:,}"),
              ("BRAM18", usage.bram_18k, board.bram_18k, f"{board.bram_18k:,}"),
              ("URAM", usage.uram, board.uram, f"{board.uram:,}"),
              ("DSP", usage.dsp, board.dsp, f"{board.dsp:,}"))
    return [f"{name} {used:,.0f} > {limit:,.0f} ({what})" for name, used, limit, what in limits if used > limit]


def fits(usage: Usage, board: Board, lut_cap: float) -> bool:
    return not over_budget(usage, board, lut_cap)
