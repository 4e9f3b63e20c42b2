"""The `sim` output as a build step: `bcnn sim` on the finished RTL, every stream compared, a
build whose RTL differs from the python execution fails (sim/report.json says where)."""
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper

from models.errors import BcnnError

from ..sim.simulate import simulate
from .dataflow import get_dataflow

SIM_FRAMES = 4


def step_sim(model: ModelWrapper, cfg) -> ModelWrapper:
    """Simulate SIM_FRAMES random frames through rtl/ (Verilator) against the python execution."""
    if cfg.backend != "rtl":
        raise BcnnError("output sim simulates the rtl backend's stitched design: use --backend rtl")
    out = Path(cfg.out)
    # simulate() reads a finished build's files; write them as the build will at its end.
    model.save(str(out / "model.onnx"))
    get_dataflow(model).save(str(out / "dataflow.onnx"))
    cfg.save(out / "build.yaml")
    report = simulate(out, frames=SIM_FRAMES, seed=cfg.seed)
    if not report["bit_exact"]:
        where = report["first_mismatch"]["where"] if report["first_mismatch"] else "lost or extra beats"
        raise BcnnError(f"the simulated RTL differs from the python execution: {where} (sim/report.json)")
    return model
