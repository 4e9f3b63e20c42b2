"""The accelerator's class scores against the QONNX model's logits, not only its top-1 label.

A build's verification compares labels once the label select exists (verify.py); a step that
changed the scores but not the winning class on its samples would pass it. Here the integer
scores the label select reads (the dataflow graph's python execution, which the RTL matches
stream by stream) must be an exact affine image of the QONNX model's logits on random inputs:
logits = s * scores + b, s > 0 one scale, b one offset per class (the classifier's scale and bias,
absorbed into the top-1 or into the label select's class offsets). Fitted by least squares over
all samples; any residual beyond float rounding means the scores are not the model's."""
import numpy as np
import yaml
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx

from ..config import BuildConfig
from ..finn_env import generic_view
from ..sim.streams import dataflow_input
from models.reference_samples import drawn_samples

SAMPLES = 12
LABEL_OPS = ("LabelSelect", "LabelSelect_hls", "LabelSelect_bcnn")


def label_scores(build, pixels: np.ndarray) -> np.ndarray | None:
    """(samples, classes) integer scores the design's label select reads; None without one."""
    model = ModelWrapper(str(build / "model.onnx"))
    df = ModelWrapper(str(build / "dataflow.onnx"))
    label = next((n for n in df.graph.node if n.op_type in LABEL_OPS), None)
    if label is None:
        return None
    view = generic_view(df)
    rows = []
    for frame in pixels:
        ctx = execute_onnx(view, {view.graph.input[0].name: dataflow_input(model, frame)}, return_full_exec_context=True)
        rows.append(np.asarray(ctx[label.input[0]], dtype=np.float64).reshape(-1))
    return np.stack(rows)


def score_residual(build, seed: int = 0) -> float | None:
    """Largest |logits - (s * scores + b)| relative to the logits' spread, over SAMPLES random
    inputs on which the float reference has no quantizer on a rounding boundary; None when the
    design has no label select or no such input was drawn."""
    cfg = BuildConfig(**yaml.safe_load((build / "build.yaml").read_text()))
    reference = ModelWrapper(cfg.model)
    drawn = [(p, out) for p, out, tie in drawn_samples(reference, cfg.model_input, cfg.input_scale, SAMPLES, seed)
             if tie is None]  # on a boundary, float rounding in the reference picks the level
    if not drawn:
        return None
    pixels, outputs = zip(*drawn)
    scores = label_scores(build, np.concatenate(pixels))
    if scores is None:
        return None
    logits = np.stack([out.reshape(-1) for out in outputs]).astype(np.float64)
    samples, classes = logits.shape
    # unknowns: s, then b_0 .. b_{classes-1}; one equation per sample and class
    design = np.zeros((samples * classes, 1 + classes))
    design[:, 0] = scores.reshape(-1)
    design[np.arange(samples * classes), 1 + np.tile(np.arange(classes), samples)] = 1.0
    solution, *_ = np.linalg.lstsq(design, logits.reshape(-1), rcond=None)
    if solution[0] <= 0:
        return float("inf")  # a falling map cannot be the same ranking
    residual = np.abs(design @ solution - logits.reshape(-1)).max()
    return float(residual / max(np.ptp(logits), 1e-12))
