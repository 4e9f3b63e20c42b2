"""The simulator backend: frames through the stitched RTL in Verilator (`bcnn sim` with the
accelerator's output probed), each compared with the python execution; FPS and latency are
cycle-accurate at the build's clock."""
from pathlib import Path

import numpy as np

from ..sim.simulate import simulate
from .packing import from_codes


class SimulationMismatch(RuntimeError):
    pass


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
        clock_ns = self.settings["clock_ns"]
        # One frame gives no interval; the analytic one is what the simulations measure (bench/cycles_vs_analytic).
        cycles = report["cycles_per_frame"] or report["analytic_cycles_per_frame"]
        timing = {"fps": 1e9 / (clock_ns * cycles), "latency_ms": report["latency_cycles"] * clock_ns * 1e-6,
                  "cycles_per_frame": cycles, "latency_cycles": report["latency_cycles"],
                  "source": f"Verilator, cycle-accurate at {1e3 / clock_ns:.0f} MHz"
                            f"{'' if report['cycles_per_frame'] else ' (one frame: analytic interval)'}"}
        return from_codes(codes.reshape(len(pixels), -1), self.settings["output"]), timing
