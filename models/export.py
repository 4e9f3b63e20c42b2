"""Brevitas -> QONNX export, verified against torch before the file is written.

The check runs both on the same inputs: integer pixels p in [0, 255] seen as p / 255 (the grid
the accelerator will get), drawn where no quantizer of the QONNX model sits on a rounding boundary
(reference_samples.py: there float rounding in torch or onnxruntime, not the model, picks the
level). Logits must agree to float rounding and the top-1 class exactly.
For our models (which end in a ScalarNorm) a second export without that final scalar affine
must give bit-identical class scores: everything before it is integers on power-of-two grids.
"""
import contextlib
import copy
import io
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from brevitas.export import export_qonnx
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.util.cleanup import cleanup_model

from .blocks.layers import ScalarNorm
from .errors import BcnnError
from .reference_samples import drawn_samples


PIXEL_LEVELS = 255  # 8-bit pixels, seen as p / 255


def sample_inputs(in_shape, count: int, seed: int = 0, levels: int = PIXEL_LEVELS) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, levels + 1, size=(count, *in_shape))
    return torch.from_numpy(pixels.astype(np.float32) / np.float32(levels))


def execute_qonnx(qmodel: ModelWrapper, x: torch.Tensor) -> np.ndarray:
    """QONNX execution of each sample of x (one at a time, as exported); rows are flattened outputs."""
    name_in, name_out = qmodel.graph.input[0].name, qmodel.graph.output[0].name
    return np.stack([execute_onnx(qmodel, {name_in: x[i : i + 1].numpy()})[name_out].reshape(-1)
                     for i in range(len(x))])


def export_model(model: torch.nn.Module, out: Path, in_shape=None, samples: int = 8, seed: int = 0) -> dict:
    """Export `model` (any Brevitas module taking (1, C, H, W)) to QONNX at `out`.

    Returns {"samples", "checked", "max_abs_diff", "top1_agree", "scores_bit_exact"} ("checked":
    the samples compared with torch, those with no quantizer of the QONNX model on a rounding
    boundary; "scores_bit_exact" None for a model without a final ScalarNorm). Raises BcnnError,
    leaving no file at `out`, when the export fails or QONNX execution disagrees with torch.
    """
    out = Path(out)
    in_shape = tuple(in_shape or getattr(model, "in_shape"))
    model = model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    # The exporter may write external data beside its file (<name>.data): a private directory
    # beside `out` holds every such file and goes away as a whole.
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as scratch:
        tmp = Path(scratch) / out.name
        qmodel = _export(model, sample_inputs(in_shape, 1, seed), tmp, out)
        drawn = drawn_samples(qmodel, lambda p: p / np.float32(PIXEL_LEVELS), PIXEL_LEVELS, samples, seed)
        x = torch.from_numpy(np.concatenate([p for p, _, _ in drawn]) / np.float32(PIXEL_LEVELS))
        with torch.no_grad():
            expected = model(x).numpy().reshape(samples, -1)
        worst = 0.0
        for i, (_, reference, tie) in enumerate(drawn):
            if tie:  # no tie-free draw was left: float rounding, not the export, decides this one
                continue
            got, want = np.asarray(reference).reshape(-1), expected[i]
            worst = max(worst, float(np.abs(got - want).max()))
            close = np.allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
            # a tied top score (integer logits of a binary net often tie) may fall either way in float
            tied = np.isclose(want[int(np.argmax(got))], want.max(), rtol=1e-5, atol=1e-5 * np.abs(want).max())
            if not close or (int(np.argmax(got)) != int(np.argmax(want)) and not tied):
                raise BcnnError(
                    f"{out}: QONNX execution disagrees with torch on sample {i} "
                    f"(class {int(np.argmax(got))} vs {int(np.argmax(want))}, max abs diff {np.abs(got - want).max():.3g})"
                )
        exact = _check_integer_scores(model, x, tmp, out)
        qmodel.save(str(tmp))
        os.replace(tmp, out)
    checked = sum(tie is None for _, _, tie in drawn)
    return {"samples": samples, "checked": checked, "max_abs_diff": worst, "top1_agree": True,
            "scores_bit_exact": exact}


def _export(model, example, tmp: Path, out: Path) -> ModelWrapper:
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the torch exporter narrates on stdout
            export_qonnx(model, input_t=example, export_path=str(tmp))
    except Exception as exc:
        raise BcnnError(f"{out}: the model cannot be exported to QONNX: {_culprit(model, exc)}") from exc
    return cleanup_model(ModelWrapper(str(tmp))).transform(InferShapes())


def _check_integer_scores(model, x, tmp: Path, out: Path):
    """Export `model` without its final ScalarNorm and demand bit-identical scores."""
    if not any(isinstance(m, ScalarNorm) for m in model.modules()):
        return None
    headless = copy.deepcopy(model)
    for name, module in list(headless.named_modules()):
        if isinstance(module, ScalarNorm):
            parent, _, attr = name.rpartition(".")
            setattr(headless.get_submodule(parent) if parent else headless, attr, torch.nn.Identity())
    qmodel = _export(headless, x[:1], tmp, out)
    with torch.no_grad():
        expected = headless(x).numpy().reshape(len(x), -1)
    for i, got in enumerate(execute_qonnx(qmodel, x)):
        if not np.array_equal(got, expected[i]):
            bad = int(np.argmax(got != expected[i]))
            raise BcnnError(f"{out}: class scores before the final ScalarNorm are not bit-exact on sample {i} "
                            f"(class {bad}: QONNX {got[bad]!r}, torch {expected[i][bad]!r})")
    return True


def _culprit(model: torch.nn.Module, exc: Exception) -> str:
    """Name the first layer QONNX cannot express, when it is a plain float layer."""
    from brevitas.nn.quant_layer import QuantWeightBiasInputOutputLayer

    for name, module in model.named_modules():
        if isinstance(module, (torch.nn.Linear, torch.nn.Conv2d)) and not isinstance(module, QuantWeightBiasInputOutputLayer):
            return f"layer '{name}' ({type(module).__name__}) is a float layer; use its Brevitas Quant* counterpart"
    return f"{type(exc).__name__}: {exc}"
