"""Random inputs on which the float QONNX reference is unambiguous.

The exported model runs in float32; the accelerator in exact integers. Where a quantizer's input
lands on one of its rounding boundaries (a sign of exactly 0, a value exactly halfway between two
levels), float rounding in the reference's convolutions picks the side: 9.3e-10 instead of 0 is
a different sign. The integer design is right and the reference is a coin toss there, so a check
against the reference only uses samples with no quantizer input within BOUNDARY of a boundary
(the tie convention itself is tested on integer graphs, not against float references).
"""
import copy

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.change_batchsize import ChangeBatchSize
from qonnx.transformation.infer_shapes import InferShapes

# distance to a boundary, in units of the quantizer's step, relative to the tensor's largest value:
# float32 sums err by ~1e-7 of their terms' magnitude, more over a long window
BOUNDARY = 1e-5
HALFWAY_MODES = ("ROUND", "HALF_EVEN", "HALF_UP", "HALF_DOWN")
ATTEMPTS = 20  # draws per wanted sample before giving up on finding tie-free ones


def _levels(model: ModelWrapper, node, ctx: dict) -> tuple[np.ndarray, np.ndarray] | None:
    """(distance of each input element to the quantizer's nearest boundary, in steps, inf where
    it is clipped; the input in steps) for an activation quantizer, None for weights and other
    nodes."""
    if model.get_initializer(node.input[0]) is not None:
        return None  # weights: quantized once, identically by every later execution
    x = np.asarray(ctx[node.input[0]], dtype=np.float64)
    attrs = {a.name: a for a in node.attribute}
    if node.op_type == "BipolarQuant":
        steps = x / np.asarray(ctx[node.input[1]], dtype=np.float64)
        return np.abs(steps), steps
    if node.op_type in ("Quant", "IntQuant"):
        mode = attrs["rounding_mode"].s.decode() if "rounding_mode" in attrs else "ROUND"
        steps = x / np.asarray(ctx[node.input[1]], dtype=np.float64) + np.asarray(ctx[node.input[2]], dtype=np.float64)
        if float(np.asarray(ctx[node.input[3]]).reshape(-1)[0]) == 1 and attrs.get("signed") and attrs["signed"].i:
            return np.abs(steps), steps  # qonnx quantizes a signed 1-bit Quant as a sign
        if mode.upper() not in HALFWAY_MODES:
            return None  # floor/ceil boundaries are the integers, where exact inputs sit by design
        bits, signed = int(np.asarray(ctx[node.input[3]]).reshape(-1)[0]), bool(attrs["signed"].i)
        narrow = bool(attrs["narrow"].i) if "narrow" in attrs else False
        lowest = -(1 << (bits - 1)) + narrow if signed else 0
        highest = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
        distance = np.abs(steps - np.floor(steps) - 0.5)
        # beyond the outermost levels the value is clipped: no boundary there
        return np.where((steps > lowest) & (steps < highest), distance, np.inf), steps
    return None


def on_boundary(model: ModelWrapper, x: np.ndarray) -> tuple[np.ndarray, str | None]:
    """(the model's output on x, the first quantizer with an input on a rounding boundary, by
    name, or None)."""
    return _on_boundary_rows(model, x)[0]


def _on_boundary_rows(model: ModelWrapper, x: np.ndarray) -> list[tuple[np.ndarray, str | None]]:
    """on_boundary for each row of the batch x, from one execution of `model` on all of them."""
    ctx = execute_onnx(model, {model.graph.input[0].name: x}, return_full_exec_context=True)
    out = np.asarray(ctx[model.graph.output[0].name])
    if out.shape[0] != len(x):
        raise ValueError(f"the output's first axis is not the batch: {out.shape} for {len(x)} inputs")
    ties = [None] * len(x)
    for node in model.graph.node:
        levels = _levels(model, node, ctx)
        if levels is None or not levels[0].size:
            continue
        distance, steps = (_per_row(a, len(x)) for a in levels)
        for i in range(len(x)):
            if ties[i] is None and distance[i].min() <= BOUNDARY * max(1.0, float(np.abs(steps[i]).max())):
                ties[i] = node.name or f"{node.op_type} -> {node.output[0]}"
    return [(out[i : i + 1], ties[i]) for i in range(len(x))]


def _per_row(a: np.ndarray, rows: int) -> np.ndarray:
    """a as (rows, -1); a tensor without the batch axis (computed from constants) belongs to each."""
    a = np.asarray(a)
    if a.ndim and a.shape[0] == rows:
        return a.reshape(rows, -1)
    return np.broadcast_to(a.reshape(1, -1), (rows, a.size))


def _with_batch(model: ModelWrapper, rows: int) -> ModelWrapper | None:
    """The model taking `rows` inputs at once, or None where its graph fixes the batch of one."""
    try:
        return ModelWrapper(copy.deepcopy(model.model)).transform(ChangeBatchSize(rows)).transform(InferShapes())
    except Exception:  # e.g. a Reshape to a computed shape: such a model is drawn one input at a time
        return None


def drawn_samples(reference: ModelWrapper, model_input, input_scale: float, count: int,
                  seed: int) -> list[tuple[np.ndarray, np.ndarray, str | None]]:
    """count (random pixel array of the reference's input shape, the reference's output on it, the
    quantizer on a boundary or None), tie-free draws first: draws with a quantizer on a boundary
    are skipped, and after count * ATTEMPTS draws the first skipped ones fill up."""
    # qonnx executes a graph node by node at a fixed cost per node, which dominates one input's
    # arithmetic, so each chunk of draws runs as one batch where the graph allows: DGRL's
    # resnet_small, whose 160 draws all sit on a boundary, took 25.2 s one at a time and takes
    # 2.8 s in chunks of 8, with identical draws and outputs
    rng = np.random.default_rng(seed)
    shape = reference.get_tensor_shape(reference.graph.input[0].name)
    batched = _with_batch(reference, count) if count > 1 else None
    kept, ties = [], []
    for _ in range(ATTEMPTS):
        if len(kept) >= count:
            break
        # the draws of a chunk come from the generator in the same order as one at a time
        pixels = [rng.integers(0, int(input_scale) + 1, size=shape).astype(np.float32) for _ in range(count)]
        xs = model_input(np.concatenate(pixels))
        rows = None
        if batched is not None:
            try:
                rows = _on_boundary_rows(batched, xs)
            except Exception:  # the batched graph does not execute: one at a time from now on
                batched = None
        if rows is None:
            rows = [on_boundary(reference, xs[i : i + 1]) for i in range(len(xs))]
        for p, (out, tie) in zip(pixels, rows):
            (ties if tie else kept).append((p, out, tie))
    return kept[:count] + ties[:count - len(kept[:count])]
