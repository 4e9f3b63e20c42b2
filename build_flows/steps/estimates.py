"""Per-layer cycle and resource estimates -> report/estimates.json (analysis/estimates.py)."""
import json
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper

from ..analysis.estimates import design_estimates
from ..boards import get_board
from ..folding.target import target_outcome
from ..rtl.fifo_plan import fifo_totals
from .dataflow import get_dataflow


def step_estimates(model: ModelWrapper, cfg) -> ModelWrapper:
    """Write report/estimates.json: slowest-layer cycles per frame, FPS at the clock, per-layer
    cycles, PE/SIMD and LUT/BRAM/URAM/DSP, the FIFOs an rtl build stitches, totals against the board; with --target-fps, whether the
    design reaches it and, if not, what stops it."""
    path = Path(cfg.out) / "report" / "estimates.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    df = get_dataflow(model)
    board = get_board(cfg.board)
    fifos = (fifo_totals(df, board.family, cfg.fifo_depth, cfg.fifo_depths, board.uram) if cfg.backend == "rtl"
             else None)
    est = design_estimates(df, cfg, fifos)
    if cfg.target_fps is not None:
        est["target"] = target_outcome(df, est, cfg)
    path.write_text(json.dumps(est, indent=2))
    return model
