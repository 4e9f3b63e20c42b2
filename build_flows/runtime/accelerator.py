"""`Accelerator`: one API over interchangeable backends, so a notebook written for the board runs
unchanged on the simulator.

    acc = open_accelerator("build/tfc/deploy", backend="auto")   # pynq on a board, else sim
    labels = acc.classify(pixels)          # (N, *input_shape) integer pixels in [0, input_scale]
    acc.throughput_test(frames=100)        # {"fps", "latency_ms", "source", ...}

Backends (each `execute(pixels) -> (outputs, timing)`):
- pynq: the bitstream on a PYNQ board (Zynq via AXI DMA, Alveo via the shell's data movers);
- sim: the stitched RTL in Verilator, every frame compared with the python execution; FPS and
  latency are cycle-accurate at the build's clock;
- python: QONNX execution of the built graph; its FPS is the host's, not hardware's.

This file, packing.py and backend_pynq.py ship to the board (deploy/bcnn_driver/) and need only
numpy there; the sim and python backends need the bcnn-fpga installation. The driver runs on the
oldest Python of the PYNQ images it supports (3.8, PYNQ 2.7): annotations stay unevaluated."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

try:  # the board's driver package holds the pynq backend; pynq itself exists only on a board
    from .backend_pynq import PynqBackend, on_board
    PYNQ_IMPORT_ERROR = None
except ImportError as exc:  # kept: on a board it is the reason (e.g. PYNQ 3's venv not active)
    PynqBackend, on_board, PYNQ_IMPORT_ERROR = None, lambda: False, exc
try:  # absent on a board, where only the deployment package is installed
    from build_flows.runtime.backend_python import PythonBackend
    from build_flows.runtime.backend_sim import SimBackend
except ImportError:
    PythonBackend = SimBackend = None

BACKENDS = ("auto", "pynq", "sim", "python")
SETTINGS = "settings.json"


class AcceleratorError(ValueError):
    """A wrong design path, backend or input; the message says what would be valid."""


def find_settings(path: Path) -> tuple:
    """-> (deployment directory, settings) for a build directory or its deploy/ directory."""
    path = Path(path)
    for deploy in (path, path / "deploy"):
        if (deploy / SETTINGS).is_file():
            return deploy, json.loads((deploy / SETTINGS).read_text())
    raise AcceleratorError(f"{path}: no {SETTINGS}; give a build directory built with --outputs ...,deploy "
                           "or its deploy/ directory")


class Accelerator:
    def __init__(self, backend):
        self.backend = backend
        self.settings = backend.settings

    @property
    def name(self) -> str:
        return self.backend.name

    def _check(self, pixels) -> np.ndarray:
        pixels = np.asarray(pixels)
        shape = tuple(self.settings["input_shape"])
        if pixels.shape == shape:
            pixels = pixels[None]
        if pixels.shape[1:] != shape or len(pixels) == 0:
            raise AcceleratorError(f"input of shape {pixels.shape}: expected (N, {', '.join(map(str, shape))}) "
                                   f"integer pixels in [0, {int(self.settings['input_scale'])}]")
        if np.any(pixels < 0) or np.any(pixels > self.settings["input_scale"]) or np.any(pixels != np.round(pixels)):
            raise AcceleratorError(f"pixels must be integers in [0, {int(self.settings['input_scale'])}]")
        return pixels

    def run(self, pixels) -> np.ndarray:
        """The accelerator's outputs, (N, *output_shape)."""
        outputs, self.last_timing = self.backend.execute(self._check(pixels))
        return outputs.reshape(len(outputs), *self.settings["output_shape"])

    def classify(self, pixels) -> np.ndarray:
        """Class indices, (N,): the label the design selects (or the argmax of its scores)."""
        out = self.run(pixels)
        out = out.reshape(len(out), -1)
        return out[:, 0].astype(np.int64) if out.shape[1] == 1 else out.argmax(axis=1)

    def accuracy(self, pixels, labels) -> float:
        return float(np.mean(self.classify(pixels) == np.asarray(labels)))

    def throughput_test(self, frames: int | None = None, seed: int = 0) -> dict:
        """Frames per second and latency on `frames` random inputs (default: one batch)."""
        frames = frames or self.settings["batch"]
        rng = np.random.default_rng(seed)
        pixels = rng.integers(0, int(self.settings["input_scale"]) + 1, size=(frames, *self.settings["input_shape"]))
        start = time.perf_counter()
        self.run(pixels)
        wall = time.perf_counter() - start
        return {"backend": self.name, "frames": frames, "wall_seconds": round(wall, 4), **self.last_timing}


def open_accelerator(path, backend: str = "auto") -> Accelerator:
    """The design at `path` (a build directory or its deploy/) on `backend` (see BACKENDS); auto is
    pynq on a PYNQ board, else sim."""
    if backend not in BACKENDS:
        raise AcceleratorError(f"unknown backend '{backend}'; valid: {', '.join(BACKENDS)}")
    deploy, settings = find_settings(path)
    if backend == "auto":
        backend = "pynq" if on_board() else "sim"
    if backend == "pynq":
        if PynqBackend is None:
            raise AcceleratorError(f"backend pynq: the pynq package could not be imported ({PYNQ_IMPORT_ERROR}); on a "
                                   "PYNQ 3 board run Python in PYNQ's environment (source /etc/profile.d/pynq_venv.sh "
                                   "and /etc/profile.d/xrt_setup.sh, or use the board's Jupyter); elsewhere use "
                                   "backend sim or python")
        if not on_board():
            raise AcceleratorError("backend pynq needs a PYNQ board (pynq imports, but finds no FPGA device); "
                                   "use backend sim or python elsewhere")
        return Accelerator(PynqBackend(deploy, settings))
    if SimBackend is None:
        raise AcceleratorError(f"backend {backend} needs the bcnn-fpga installation (build_flows); on a board use pynq")
    build_dir = deploy.parent if deploy.name == "deploy" else deploy
    cls = SimBackend if backend == "sim" else PythonBackend
    return Accelerator(cls(build_dir, settings))
