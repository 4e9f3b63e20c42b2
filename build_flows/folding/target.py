"""--target-fps: the cheapest folding that reaches the target within the board's budget, or the
limit that stops it, said in words. FINN+'s SetFolding folds for the target first; where it stops
short (its MVAU weight-stream cap, mvau_wwidth_max, holds SIMD back: Brevitas' CNV-w1a1 reached
7,972 of 10,000 FPS on a Pynq-Z1 without a word), the bottleneck grows from there as `--folding
fastest` grows it (grow_bottleneck.py), until the target, the budget or full parallelism."""
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from ..analysis.estimates import layer_estimates
from ..boards import get_board
from .grow_bottleneck import fastest_folding, fold_dimensions, next_step
from .search import search_folding

SYNTH_HINT = ("`bcnn fold-search` sizes by synthesis (our binary units synthesize to about half of FINN+'s "
              "LUT estimates, bench/synth), or raise --lut-cap")


def fold_for_target(df: ModelWrapper, cfg) -> None:
    """Fold `df` in place for cfg's target cycles per frame."""
    board, target = get_board(cfg.board), cfg.target_cycles_per_frame
    search_folding(df, target)
    if max(x["cycles"] for x in layer_estimates(df, board.part)) > target:
        fastest_folding(df, board, cfg.lut_cap, cfg.lut_per_estimate, target_cycles=target, from_current=True)


def target_outcome(df: ModelWrapper, est: dict, cfg) -> dict:
    """Whether the built design reaches --target-fps on the board, and if not, what stops it and
    what would pass it."""
    target, reached = cfg.target_fps, est["fps_at_clock"] or 0.0
    fast_enough = reached >= target * (1 - 1e-9)
    outcome = {"fps": target, "fps_reached": reached, "met": fast_enough and est["fits_board"], "limit": None}
    if outcome["met"]:
        return outcome
    if fast_enough:
        outcome["limit"] = (f"the design that reaches it is over the budget ({'; '.join(est['over_budget'])}) by "
                            f"FINN+'s estimates; {SYNTH_HINT}")
        return outcome
    moving = est["data_movement"]
    if moving["fps"] < target:
        outcome["limit"] = (f"{moving['by']} moves at most {moving['fps']:,.0f} frames/s at {cfg.clock_ns} ns: no "
                            "folding passes it; a faster clock (--clock-ns) would raise it")
        return outcome
    name = est["bottleneck_layer"]
    inst = getCustomOp(df.get_node_from_name(name))
    step = next_step(inst, fold_dimensions(inst.onnx_node.op_type))
    cycles = est["analytic_cycles_per_frame"]
    if step is None:
        outcome["limit"] = (f"{name} is fully parallel at {cycles:,} cycles/frame: only a faster clock (--clock-ns) "
                            "passes it")
    else:
        board = get_board(cfg.board)
        outcome["limit"] = (f"{name} ({cycles:,} cycles/frame) cannot take its next folding step ({step[0]}={step[1]}) "
                            f"within the budget ({cfg.lut_cap:.0%} of {board.name}'s {board.lut:,} LUTs and its "
                            f"{board.bram_18k:,} BRAM18 by FINN+'s estimates); {SYNTH_HINT}")
    return outcome
