"""The simulator backend: frames through the stitched RTL in Verilator (`bcnn sim` with the
accelerator's output probed), each compared with the python execution. Latency is cycle-accurate
at the board's PL clock; FPS is the smaller of the simulated pipeline's rate and what the board's
data movement allows (settings["data_movement"]: DMA width, HP port), as on the board."""
from pathlib import Path

import numpy as np

from ..analysis.data_movement import board_fps
from ..sim.simulate import simulate
from .packing import from_codes


class SimulationMismatch(RuntimeError):
    pass


def bound_line(pipeline_fps: float, moving: dict | None) -> tuple:
    """(FPS on the board, what bounds it, as a phrase for the timing source)."""
    fps, bounded = board_fps(pipeline_fps, moving)
    if not moving:
        return fps, ""
    if bounded:
        return fps, f"; bounded by {moving['by']} ({moving['fps']:,.0f} FPS; the pipeline {pipeline_fps:,.0f})"
    return fps, f"; {moving['by']} allows {moving['fps']:,.0f} FPS"


class SimBackend:
    name = "sim"

    def __init__(self, build_dir: Path, settings: dict):
        self.build_dir = Path(build_dir)
        self.settings = settings

    def execute(self, pixels: np.ndarray) -> tuple:
        report = simulate(self.build_dir, frames=len(pixels), inputs=np.asarray(pixels, dtype=np.float32), probe="last")
        if not report["bit_exact"]:
            raise SimulationMismatch(f"{self.build_dir}: the RTL differs from the python execution on "
                                     f"{report['mismatches']} frame(s); see sim/report.json")
        codes = np.load(self.build_dir / "sim" / "outputs.npy")
        mhz = self.settings.get("pl_clock_mhz") or 1e3 / self.settings["clock_ns"]
        # One frame gives no interval; the analytic one is what the simulations measure (bench/cycles_vs_analytic).
        cycles = report["cycles_per_frame"] or report["analytic_cycles_per_frame"]
        pipeline_fps = mhz * 1e6 / cycles
        fps, bound = bound_line(pipeline_fps, self.settings.get("data_movement"))
        timing = {"fps": fps, "pipeline_fps": pipeline_fps, "latency_ms": report["latency_cycles"] / mhz * 1e-3,
                  "cycles_per_frame": cycles, "latency_cycles": report["latency_cycles"],
                  "source": f"Verilator, cycle-accurate at {mhz:.0f} MHz"
                            f"{'' if report['cycles_per_frame'] else ' (one frame: analytic interval)'}{bound}"}
        return from_codes(codes.reshape(len(pixels), -1), self.settings["output"]), timing
