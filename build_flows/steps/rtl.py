"""The RTL backend's steps: bcnn ops where FINN+ has only HLS, then one stitched top."""
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper

from ..boards import get_board
from ..rtl.specialize import SpecializeBcnnRTL
from ..rtl.split_activation import SplitWideActivations
from ..rtl.shared_thresholds import ShareUniformThresholds
from ..rtl.threshold_memory import FitThresholdMemories
from ..rtl.stitch import stitch
from .dataflow import get_dataflow, transform_dataflow


def step_specialize_rtl(model: ModelWrapper, cfg) -> ModelWrapper:
    """With backend rtl: MVAU, thresholding, max pool, label select, forks and joins become bcnn
    ops (hw/ RTL), named by what they are (MVAU_hls_3 -> MVAU_bcnn_3); a unit with a wide
    activation gets a thresholding layer for it (split_activation.py); thresholds leave block RAM
    where the board has too little (threshold_memory.py); thresholds every channel shares are
    stored once (shared_thresholds.py)."""
    if cfg.backend != "rtl":
        return model
    board = get_board(cfg.board)
    return transform_dataflow(model, cfg, "specialize_rtl",
                              lambda df: df.transform(SpecializeBcnnRTL()).transform(SplitWideActivations())
                              .transform(ShareUniformThresholds())
                              .transform(FitThresholdMemories(board, cfg.fifo_depth, cfg.fifo_depths)))


def step_stitch_rtl(model: ModelWrapper, cfg) -> ModelWrapper:
    """With backend rtl: the self-contained rtl/ directory (sources, memory files, bcnn_core.sv,
    bcnn_top.sv, stitch.json)."""
    if cfg.backend == "rtl":
        stitch(get_dataflow(model), Path(cfg.out) / "rtl", cfg.fpga_part, cfg.fifo_depth, cfg.fifo_depths,
               get_board(cfg.board).uram)
    return model
