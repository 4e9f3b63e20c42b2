"""The RTL backend's steps: bcnn ops where FINN+ has only HLS, then one stitched top."""
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper

from ..rtl.specialize import SpecializeBcnnRTL
from ..rtl.stitch import stitch
from .dataflow import get_dataflow, transform_dataflow


def step_specialize_rtl(model: ModelWrapper, cfg) -> ModelWrapper:
    """With backend rtl: MVAU and LabelSelect become bcnn ops (hw/ RTL); names are kept, so the
    layers in the report are the ones the folding named."""
    if cfg.backend != "rtl":
        return model
    return transform_dataflow(model, cfg, "specialize_rtl", lambda df: df.transform(SpecializeBcnnRTL()))


def step_stitch_rtl(model: ModelWrapper, cfg) -> ModelWrapper:
    """With backend rtl: rtl/bcnn_top.sv, its memory files and rtl/stitch.json (sources, stages)."""
    if cfg.backend == "rtl":
        stitch(get_dataflow(model), Path(cfg.out) / "rtl", cfg.fifo_depth)
    return model
