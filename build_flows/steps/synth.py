"""The `synth` output: open-source synthesis of the stitched RTL (build_flows/synth) as a build step."""
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper

from ..synth.design import synthesize_build


def step_synth(model: ModelWrapper, cfg) -> ModelWrapper:
    """Yosys synthesis of every layer, FIFO configuration and the whole top -> report/synth.json."""
    synthesize_build(Path(cfg.out), board=cfg.board, lut_cap=cfg.lut_cap, clock_ns=cfg.clock_ns, show_progress=False)
    return model
