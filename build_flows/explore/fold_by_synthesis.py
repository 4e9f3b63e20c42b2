"""`bcnn fold-search`: the fastest folding that fits a board by synthesis, not by estimate.

FINN+'s LUT estimates of our RTL are far from what Yosys makes of it (about 2.2x for cnv_w1a1,
bench/synth), so a folding bounded by estimates leaves most of a board unused. Each round builds
`--folding fastest` with the estimates scaled by the synthesized/estimated LUT ratio measured on
the previous round's design, and synthesizes the result; the fastest design whose synthesized
LUT and BRAM18 fit the cap and whose costliest path fits the clock (the timing proxy) is kept
(rounds stop when the ratio settles; a design that misses the clock makes the next one smaller)."""
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from ..boards import get_board
from ..config import BuildConfig
from ..flow import run_build
from ..analysis.report import load_estimates, load_synth

TIMING_SHRINK = 1.5  # a design that misses the clock: fold the next round this much smaller by estimate
SETTLED = 0.05  # relative change of the LUT ratio below which another round would fold the same


def fold_search(cfg: BuildConfig, rounds: int = 3, console: Console | None = None) -> dict:
    """`cfg` with folding "fastest"; its out is the search's directory (round<k>/ in it)."""
    console = console or Console(stderr=True)
    board = get_board(cfg.board)
    scale, history, best = cfg.lut_per_estimate, [], None
    for k in range(rounds):
        out = Path(cfg.out) / f"round{k}"
        console.print(f"round {k}: --folding fastest with {scale:.3f} synthesized LUT per estimated LUT -> {out}")
        built = run_build(replace(cfg, out=str(out), folding="fastest", lut_per_estimate=scale,
                                  outputs=sorted({*cfg.outputs, "estimates", "rtl", "synth"})), show_progress=False)
        est, syn = load_estimates(built), load_synth(built)
        ratio = syn["total"]["lut_total"] / est["totals"]["lut"]
        row = {"round": k, "lut_per_estimate": scale, "build": str(built),
               "cycles_per_frame": est["analytic_cycles_per_frame"], "fps_at_clock": est["fps_at_clock"],
               "lut_estimated": est["totals"]["lut"], "lut_synthesized": syn["total"]["lut_total"],
               "bram_18k_synthesized": syn["total"]["bram_18k"], "measured_ratio": ratio,
               "proxy_period_ns": syn["timing"]["proxy_period_ns"], "fits": syn["fits_board"],
               "over_budget": syn["over_budget"]}
        history.append(row)
        if row["fits"] and (best is None or row["cycles_per_frame"] < best["cycles_per_frame"]):
            best = row
        if row["fits"] and abs(ratio - scale) / scale < SETTLED:
            break
        # A design that fit: fold for the ratio it measured. One that did not: scale up by at least
        # its overshoot, so the next design is smaller than this one.
        cap_luts = cfg.lut_cap * board.lut
        scale = ratio if row["fits"] else max(ratio, scale * syn["total"]["lut_total"] / cap_luts)
        if not syn["timing"]["fits"]:
            scale *= TIMING_SHRINK  # narrower units: the longest paths are wide popcounts and their sums
    return {"board": board.name, "lut_cap": cfg.lut_cap, "best": best, "rounds": history}
