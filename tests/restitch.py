"""A built design with other FIFO depths, without rebuilding it: a copy whose rtl/ is stitched
again from its dataflow graph with `overrides` (FIFO name -> depth), as `bcnn build --fifo` would
stitch it. For tests that compare depths around a computed one."""
import shutil
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper

from build_flows.config import BuildConfig
from build_flows.rtl.stitch import stitch


def restitch(design: Path, out: Path, overrides: dict) -> Path:
    shutil.copytree(design, out)
    cfg = BuildConfig.load(out / "build.yaml")
    stitch(ModelWrapper(str(out / "dataflow.onnx")), out / "rtl", cfg.fpga_part, cfg.fifo_depth,
           {**(cfg.fifo_depths or {}), **overrides})
    return out
