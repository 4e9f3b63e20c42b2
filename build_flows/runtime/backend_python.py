"""The python backend: QONNX execution of the built graph (model.onnx), frame by frame. Its
outputs are the reference the hardware must equal; its FPS is this host's, not hardware's."""
import time
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper

from ..verify import executable, run_model


class PythonBackend:
    name = "python"

    def __init__(self, build_dir: Path, settings: dict):
        self.settings = settings
        build_dir = Path(build_dir)
        self.model = executable(ModelWrapper(str(build_dir / "model.onnx")), build_dir / "report" / "scratch")

    def execute(self, pixels: np.ndarray) -> tuple:
        start = time.perf_counter()
        outputs = np.stack([run_model(self.model, p[None].astype(np.float32)).reshape(-1) for p in pixels])
        seconds = time.perf_counter() - start
        timing = {"fps": len(pixels) / seconds, "latency_ms": 1e3 * seconds / len(pixels),
                  "source": "QONNX execution in python on this host (not hardware)"}
        return outputs, timing
