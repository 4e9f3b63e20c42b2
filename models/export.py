"""Brevitas -> QONNX export, verified against torch before the file is written.

The check runs both on the same inputs: integer pixels p in [0, 255] seen as p / 255 (the grid
the accelerator will get). Logits must agree to float rounding and the top-1 class exactly.
"""
import contextlib
import io
import os
from pathlib import Path

import numpy as np
import torch
from brevitas.export import export_qonnx
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.util.cleanup import cleanup_model

from .errors import BcnnError


def sample_inputs(in_shape, count: int, seed: int = 0, levels: int = 255) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, levels + 1, size=(count, *in_shape))
    return torch.from_numpy(pixels.astype(np.float32) / np.float32(levels))


def export_model(model: torch.nn.Module, out: Path, in_shape=None, samples: int = 8, seed: int = 0) -> dict:
    """Export `model` (any Brevitas module taking (1, C, H, W)) to QONNX at `out`.

    Returns {"samples", "max_abs_diff", "top1_agree"}. Raises BcnnError, leaving no file at
    `out`, when the export fails or QONNX execution disagrees with torch.
    """
    out = Path(out)
    in_shape = tuple(in_shape or getattr(model, "in_shape"))
    model = model.eval()
    x = sample_inputs(in_shape, samples, seed)
    tmp = out.with_name(out.name + ".partial")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # the torch exporter narrates on stdout
                export_qonnx(model, input_t=x[:1], export_path=str(tmp))
        except Exception as exc:
            raise BcnnError(f"{out}: the model cannot be exported to QONNX: {_culprit(model, exc)}") from exc
        qmodel = cleanup_model(ModelWrapper(str(tmp)))
        name_in, name_out = qmodel.graph.input[0].name, qmodel.graph.output[0].name
        with torch.no_grad():
            expected = model(x).numpy()
        worst = 0.0
        for i in range(samples):
            got = execute_onnx(qmodel, {name_in: x[i : i + 1].numpy()})[name_out].reshape(-1)
            want = expected[i].reshape(-1)
            worst = max(worst, float(np.abs(got - want).max()))
            if int(np.argmax(got)) != int(np.argmax(want)) or not np.allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max()):
                raise BcnnError(
                    f"{out}: QONNX execution disagrees with torch on sample {i} "
                    f"(class {int(np.argmax(got))} vs {int(np.argmax(want))}, max abs diff {np.abs(got - want).max():.3g})"
                )
        qmodel.save(str(tmp))
        os.replace(tmp, out)
        return {"samples": samples, "max_abs_diff": worst, "top1_agree": True}
    finally:
        tmp.unlink(missing_ok=True)


def _culprit(model: torch.nn.Module, exc: Exception) -> str:
    """Name the first layer QONNX cannot express, when it is a plain float layer."""
    from brevitas.nn.quant_layer import QuantWeightBiasInputOutputLayer

    for name, module in model.named_modules():
        if isinstance(module, (torch.nn.Linear, torch.nn.Conv2d)) and not isinstance(module, QuantWeightBiasInputOutputLayer):
            return f"layer '{name}' ({type(module).__name__}) is a float layer; use its Brevitas Quant* counterpart"
    return f"{type(exc).__name__}: {exc}"
