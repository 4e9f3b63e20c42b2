"""Whether a design fits its board: the one predicate every search, sweep and report uses.

A design fits when its LUTs (logic and LUT RAM) stay within `lut_cap` of the board's, leaving
the rest for routing and the shell, its block RAM, UltraRAM and DSP slices within the board's,
and, where its longest path is known (synthesis), that path within the clock by the family's
delay model (timing.py: `proxy_period_ns`). The resources are FINN+'s estimates (LUTs scaled by a
synthesized/estimated ratio where one was measured) or Yosys' synthesis of the stitched design."""
from dataclasses import dataclass

from ..boards import Board


@dataclass(frozen=True)
class Usage:
    lut: float
    bram_18k: float
    uram: float = 0
    dsp: float = 0
    period_ns: float | None = None  # the costliest path by the timing proxy; None: not known (estimates)

    @classmethod
    def from_estimates(cls, totals: dict, lut_per_estimate: float = 1.0) -> "Usage":
        """From estimates.json's totals (or any dict of lut, bram_18k, uram, dsp)."""
        return cls(lut_per_estimate * totals["lut"], totals["bram_18k"], totals.get("uram", 0), totals.get("dsp", 0))

    @classmethod
    def from_synth(cls, total: dict) -> "Usage":
        """From synth.json's whole-design total (lut_total counts logic and LUT RAM)."""
        return cls(total["lut_total"], total["bram_18k"], total.get("uram", 0), total.get("dsp", 0),
                   total.get("proxy_period_ns"))


def over_budget(usage: Usage, board: Board, lut_cap: float, clock_ns: float | None = None) -> list:
    """What exceeds the budget, one phrase per resource ([] when the design fits). The longest
    path is checked where both it and `clock_ns` are given."""
    limits = (("LUT", usage.lut, lut_cap * board.lut, f"{lut_cap:.0%} of {board.lut:,}"),
              ("BRAM18", usage.bram_18k, board.bram_18k, f"{board.bram_18k:,}"),
              ("URAM", usage.uram, board.uram, f"{board.uram:,}"),
              ("DSP", usage.dsp, board.dsp, f"{board.dsp:,}"))
    said = [f"{name} {used:,.0f} > {limit:,.0f} ({what})" for name, used, limit, what in limits if used > limit]
    if usage.period_ns is not None and clock_ns is not None and usage.period_ns > clock_ns:
        said.append(f"longest path {usage.period_ns:.2f} ns > the {clock_ns:g} ns clock (the {board.family} "
                    f"delay model's proxy)")
    return said


def fits(usage: Usage, board: Board, lut_cap: float, clock_ns: float | None = None) -> bool:
    return not over_budget(usage, board, lut_cap, clock_ns)
