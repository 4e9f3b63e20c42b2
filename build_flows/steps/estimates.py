"""Per-layer cycle and resource estimates -> report/estimates.json (analysis/estimates.py)."""
import json
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper

from ..analysis.estimates import design_estimates
from .dataflow import get_dataflow


def step_estimates(model: ModelWrapper, cfg) -> ModelWrapper:
    """Write report/estimates.json: slowest-layer cycles per frame, FPS at the clock, per-layer
    cycles, PE/SIMD and LUT/BRAM/URAM/DSP, totals against the board."""
    path = Path(cfg.out) / "report" / "estimates.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(design_estimates(get_dataflow(model), cfg), indent=2))
    return model
