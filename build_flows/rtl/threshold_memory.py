"""Thresholding layers' search stages out of block RAM where the board has too little of it.

Thresholding_bcnn keeps a search stage of 1,024 or more entries in block RAM (its default
depth_trigger_bram): ResNet-20 at 10,000 FPS then takes 344 BRAM18, more than a KV260's 288 and
far fewer LUTs than its 117,120 allow. When the design's estimated block RAM exceeds the board's,
the trigger is doubled on every thresholding layer that keeps bcnn's default, moving their
shallowest block-RAM stages to LUTs, until the block RAM fits (or, where it does not fit even
with every stage in LUTs, the default is kept: the build's verdict then names the block RAM)."""
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation

from ..custom_op.thresholding import BLOCK_DEPTH


def block_ram(df: ModelWrapper, fpga_part: str) -> int:
    return sum(int(getCustomOp(n).bram_estimation(fpga_part)) for n in df.graph.node)


class FitThresholdMemories(Transformation):
    def __init__(self, fpga_part: str, bram_18k: int):
        super().__init__()
        self.fpga_part, self.bram_18k = fpga_part, bram_18k

    def apply(self, model: ModelWrapper):
        ops = [getCustomOp(n) for n in model.graph.node if n.op_type == "Thresholding_bcnn"]
        ops = [op for op in ops if op.get_nodeattr("depth_trigger_bram") == BLOCK_DEPTH]
        if not ops or block_ram(model, self.fpga_part) <= self.bram_18k:
            return model, False
        deepest = max(max(op.stage_depths()) for op in ops)
        trigger = BLOCK_DEPTH
        while trigger <= deepest:
            trigger *= 2
            for op in ops:
                op.set_nodeattr("depth_trigger_bram", trigger)
            if block_ram(model, self.fpga_part) <= self.bram_18k:
                return model, False
        for op in ops:
            op.set_nodeattr("depth_trigger_bram", BLOCK_DEPTH)
        return model, False
