"""Every step is executed on the same inputs as the exported QONNX model and must agree with it.

Inputs are random integer pixels in [0, input_scale]; the QONNX model sees pixels / input_scale,
normalised as the build config says (BuildConfig.model_input). Draws that put a quantizer of the
float reference on a rounding boundary are skipped (models/reference_samples.py); where too few
tie-free draws exist, draws on a boundary fill up: compared, but a disagreement on one is counted
(boundary_disagreements), not raised.
Before the label-select head exists, a step's output is the logits: they must match the
reference within float rounding and give the same top-1 class. After it, the output is the class
index itself, an integer, which must be equal.
"""
from pathlib import Path

import numpy as np
from qonnx.custom_op.registry import getCustomOp
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx

from models.errors import InternalError
from models.reference_samples import drawn_samples
from .finn_env import generic_view


class VerificationError(InternalError):
    """A build step changed the model's function: the user's model is fine, the step is not (a
    bcnn bug, reported as one; the model fuzzer counts it as a crash)."""


def run_model(model: ModelWrapper, x: np.ndarray) -> np.ndarray:
    out = execute_onnx(model, {model.graph.input[0].name: x})
    return np.asarray(out[model.graph.output[0].name])


def executable(model: ModelWrapper, scratch: Path) -> ModelWrapper:
    """The model with its dataflow partition (if any) replaced by a python-executable view."""
    nodes = model.get_nodes_by_op_type("StreamingDataflowPartition")
    if not nodes:
        return model
    copy = ModelWrapper(model.model.__deepcopy__())
    sdp = getCustomOp(copy.get_nodes_by_op_type("StreamingDataflowPartition")[0])
    scratch.mkdir(parents=True, exist_ok=True)
    view_path = scratch / "dataflow_generic_view.onnx"
    generic_view(ModelWrapper(sdp.get_nodeattr("model"))).save(str(view_path))
    sdp.set_nodeattr("model", str(view_path))
    return copy


class Verifier:
    def __init__(self, reference: ModelWrapper, cfg):
        self.model_input = cfg.model_input
        drawn = drawn_samples(reference, cfg.model_input, cfg.input_scale, cfg.verify_samples, cfg.seed)
        self.pixels = [p for p, _, _ in drawn]
        self.logits = [out.reshape(-1) for _, out, _ in drawn]
        self.labels = [int(np.argmax(l)) for l in self.logits]
        # draws left with a quantizer of the reference on a rounding boundary (no tie-free one was
        # found): compared too, but there the reference's float rounding, not the step, may pick
        # the level, so a disagreement on one is counted, not raised
        self.on_boundary = [tie is not None for _, _, tie in drawn]

    def check(self, model: ModelWrapper, step: str, scratch: Path) -> dict:
        """Execute `model` on the stored samples; raise on the first disagreement on a tie-free
        draw, else return what was measured (labels that agree, largest logit difference among
        them, tied top-1 samples, disagreements on draws left on a boundary)."""
        model = executable(model, scratch)
        takes_pixels = model.get_tensor_datatype(model.graph.input[0].name).is_integer()
        outputs_label = int(np.prod(model.get_tensor_shape(model.graph.output[0].name))) == 1
        ties, agree, worst, boundary_disagreements = 0, 0, 0.0, 0
        for i, (pixels, logits, label) in enumerate(zip(self.pixels, self.logits, self.labels)):
            x = pixels if takes_pixels else self.model_input(pixels)
            out = run_model(model, x).reshape(-1)  # an exception here is ours: the flow names its node
            # Classes tied for the top score: the logits of a binary or few-bit net are a small
            # integer grid times a scale, so exact ties are common, and float rounding in the
            # reference (0.5999999 vs 0.60000014) may pick either of them.
            top = np.isclose(logits, logits.max(), rtol=1e-5, atol=1e-6 * max(1.0, float(np.abs(logits).max())))
            ties += int(top.sum() > 1)
            got = int(out[0]) if outputs_label else int(np.argmax(out))
            diff = None if outputs_label else float(np.abs(out - logits).max())
            close = outputs_label or np.allclose(out, logits, rtol=1e-4, atol=1e-4 * np.abs(logits).max())
            if not (top[got] and close) and self.on_boundary[i]:
                boundary_disagreements += 1
                continue
            if not top[got]:
                raise VerificationError(
                    f"after step '{step}': sample {i} gives class {got}, the QONNX model gives {label}; "
                    "the step changed the model's function"
                )
            if not close:
                raise VerificationError(f"after step '{step}': sample {i} logits differ from the QONNX model "
                                        f"(max abs diff {diff:.3g})")
            agree += 1
            worst = worst if diff is None else max(worst, diff)
        return {"step": step, "samples": len(self.pixels), "samples_on_boundary": sum(self.on_boundary),
                "boundary_disagreements": boundary_disagreements, "output": "label" if outputs_label else "logits",
                "labels_agree": agree, "max_abs_logit_diff": None if outputs_label else worst,
                "samples_with_tied_top1": ties}
