"""Thresholding layers' search stages out of block RAM where the board has too little of it.

Thresholding_bcnn keeps a search stage of 1,024 or more entries in block RAM (its default
depth_trigger_bram): ResNet-20 at 10,000 FPS then takes 344 BRAM18, more than a KV260's 288 and
far fewer LUTs than its 117,120 allow. When the design's estimated block RAM (the FIFOs between
its layers included) exceeds the board's, the trigger is doubled on every thresholding layer that
keeps bcnn's default, moving their shallowest block-RAM stages to LUTs, until the block RAM fits
(or, where it does not fit even with every stage in LUTs, the default is kept: the build's
verdict then names the block RAM)."""
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation

from ..boards import Board
from ..custom_op.thresholding import BLOCK_DEPTH
from .fifo_plan import fifo_totals


def block_ram(df: ModelWrapper, fpga_part: str) -> int:
    return sum(int(getCustomOp(n).bram_estimation(fpga_part)) for n in df.graph.node)


class FitThresholdMemories(Transformation):
    """`board`: the build's; `fifo_depth`, `fifo_depths`: its FIFO settings (the FIFOs between the
    layers take block RAM too: DGRL's SI joins hold a frame each)."""

    def __init__(self, board: Board, fifo_depth: int, fifo_depths: dict | None = None):
        super().__init__()
        self.fpga_part, self.bram_18k, self.family, self.uram = board.part, board.bram_18k, board.family, board.uram
        self.fifo_depth, self.fifo_depths = fifo_depth, fifo_depths

    def apply(self, model: ModelWrapper):
        ops = [getCustomOp(n) for n in model.graph.node if n.op_type == "Thresholding_bcnn"]
        ops = [op for op in ops if op.get_nodeattr("depth_trigger_bram") == BLOCK_DEPTH]
        if not ops:
            return model, False
        fifos = fifo_totals(model, self.family, self.fifo_depth, self.fifo_depths, self.uram)
        budget = self.bram_18k - fifos["bram_18k"]
        if block_ram(model, self.fpga_part) <= budget:
            return model, False
        deepest = max(max(op.stage_depths()) for op in ops)
        trigger = BLOCK_DEPTH
        while trigger <= deepest:
            trigger *= 2
            for op in ops:
                op.set_nodeattr("depth_trigger_bram", trigger)
            if block_ram(model, self.fpga_part) <= budget:
                return model, False
        for op in ops:
            op.set_nodeattr("depth_trigger_bram", BLOCK_DEPTH)
        return model, False
