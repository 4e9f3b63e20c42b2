"""The quantizer right after an average pool, made exact by running it on every window sum.

torch (and QONNX) compute avg = fl32(fl32(S * s) / k) for a window sum S of integer levels on the
grid s, then round(avg / s2) half to even. FINN+ instead absorbs 1/k and s into the quantizer's
float32 thresholds (T / (1/k) / s) and compares the integer sum with their ceiling; with scales like
0.25 and 1/3 (Brevitas' defaults for max_val 1) exact ties are common (6 * 0.25 / 9 / (1/3) = 0.5)
and the float error of T / (1/9) decides them (measured: 6 of 256 levels rounded up where torch
rounds to even). Here the quantizer's level is computed for every integer S the window can sum to,
in float32 as torch does, and its thresholds are put half way between the integer sums where the
level changes: later absorption's float error (~1e-7 relative) cannot move them across an integer.

ExactPooledQuant (on the QONNX graph, before ConvertQONNXtoFINN):
    Quant(scale s, zero point 0) | BipolarQuant(s) -> AveragePool | GlobalAveragePool | ReduceMean(H, W)
    -> [Relu] -> Quant(scale s2, zero point 0, rounding r)
becomes ... -> pool -> MultiThreshold(thresholds (S_j - 1/2) * s / k, the levels' datatype, bias
the lowest level) -> Mul(s2). Anything else keeps FINN+'s conversion (a sign after the pool is exact:
its one threshold is 0)."""
import numpy as np
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.custom_op.general.intquant import max_int, min_int, resolve_rounding_mode
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import InferDataTypes

from .graph_match import new_tensor, only_consumer, scalar
from .pooling import pixel_axes


def _attrs(node) -> dict:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _quant(model, node) -> dict | None:
    """A per-tensor Quant's (scale, lowest, highest level, rounding), None if not one (zero point 0)."""
    if node is None or node.op_type not in ("Quant", "BipolarQuant"):
        return None
    scale = scalar(model, node.input[1])
    if node.op_type == "BipolarQuant":
        return None if scale is None else dict(scale=scale, low=-1, high=1, rounding="ROUND")
    zero, bits = scalar(model, node.input[2]), scalar(model, node.input[3])
    if scale is None or zero != 0 or bits is None or bits < 2:
        return None
    a = _attrs(node)
    signed, narrow, bits = bool(a.get("signed", 1)), bool(a.get("narrow", 0)), int(bits)
    return dict(scale=scale, low=int(min_int(signed, narrow, bits)), high=int(max_int(signed, narrow, bits)),
                rounding=a.get("rounding_mode", b"ROUND").decode(), signed=signed, bits=bits)


def window_size(model, pool) -> int | None:
    if pool.op_type == "AveragePool":
        return int(np.prod(_attrs(pool)["kernel_shape"]))
    if pool.op_type == "GlobalAveragePool" or (pool.op_type == "ReduceMean" and pixel_axes(model, pool)):
        return int(np.prod(model.get_tensor_shape(pool.input[0])[2:]))
    return None


def levels(sums: np.ndarray, s: float, k: int, relu: bool, q: dict) -> np.ndarray:
    """The quantizer's integer level for each window sum, computed as torch and QONNX do."""
    avg = (sums.astype(np.float32) * np.float32(s)) / np.float32(k)
    if relu:
        avg = np.maximum(avg, np.float32(0))
    y = np.clip(avg / np.float32(q["scale"]), q["low"], q["high"])
    return resolve_rounding_mode(q["rounding"])(y).astype(np.int64)


def sum_thresholds(sums: np.ndarray, level: np.ndarray, low: int, high: int) -> np.ndarray | None:
    """Per level j in (low, high]: the first window sum reaching it, minus 1/2 (below every sum if the
    smallest reaches it, above every sum if none does). None if the levels are not monotonic."""
    if np.any(np.diff(level) < 0):
        return None
    first = np.searchsorted(level, np.arange(low + 1, high + 1), side="left")
    return np.where(first < len(sums), sums[np.minimum(first, len(sums) - 1)] - 0.5, sums[-1] + 1.0)


class ExactPooledQuant(Transformation):
    def apply(self, model):
        for pool in model.graph.node:
            k = window_size(model, pool) if pool.op_type in ("AveragePool", "GlobalAveragePool", "ReduceMean") else None
            before = _quant(model, model.find_producer(pool.input[0])) if k else None
            relu = only_consumer(model, pool.output[0], "Relu") if before else None
            after_input = relu.output[0] if relu is not None else pool.output[0]
            after = only_consumer(model, after_input, "Quant") if before else None
            q = _quant(model, after)
            if q is None:
                continue
            sums = np.arange(k * before["low"], k * before["high"] + 1)
            thresholds = sum_thresholds(sums, levels(sums, before["scale"], k, relu is not None, q), q["low"], q["high"])
            if thresholds is None:
                continue
            name = model.make_new_valueinfo_name()
            model.set_initializer(name, (thresholds * before["scale"] / k).astype(np.float32)[None, :])
            dt = DataType[f"{'INT' if q['signed'] else 'UINT'}{q['bits']}"]
            codes = new_tensor(model, model.get_tensor_shape(after.output[0]), dt)
            scale = model.make_new_valueinfo_name()
            model.set_initializer(scale, np.asarray(q["scale"], dtype=np.float32))
            at = list(model.graph.node).index(after)
            model.graph.node.insert(at, helper.make_node(
                "MultiThreshold", [pool.output[0], name], [codes], domain="qonnx.custom_op.general",
                out_dtype=dt.name, out_bias=float(q["low"]), data_layout="NCHW"))
            model.graph.node.insert(at + 1, helper.make_node("Mul", [codes, scale], [after.output[0]]))
            for old in [after] + ([relu] if relu is not None else []):
                model.graph.node.remove(old)
            return model.transform(InferDataTypes()), True
        return model, False
