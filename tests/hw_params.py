"""The parameters the flow can give each hw/ module (tests/test_hw_lint.py lints and elaborates
every set).

Each module's axes are the values its custom op's rtl_instance (build_flows/custom_op) can emit,
at their edges: widths of 1 and the widest a datatype gets, one channel, PE = channels, SIMD = 1
and = MW, odd sizes, no / one / many thresholds, signed and unsigned, depths of 1 and 2. A set is
the module's defaults, each axis value on its own (the rest at defaults), and a seeded sample of
the cross product; `derive` makes the dependent parameters what the op computes from the others
(a raw unit's OUT_BITS is its ACC_BITS), `valid` drops what the op never emits."""
import itertools
import math
import random

from qonnx.core.datatype import DataType

from build_flows.custom_op.border import Border
from build_flows.custom_op.mvau import border_params, threshold_bits
from build_flows.custom_op.zero_pad_xnor import dot_datatype
from hw import PackedBits
from hw.memfiles import search_stages

SAMPLES = 12  # random combinations per module, on top of the one-axis-at-a-time sets


def _unzip(pairs: dict) -> dict:
    """An axis of tuples, e.g. {("MW", "SIMD"): [(9, 1), (9, 9)]}, as parameters."""
    out = {}
    for key, value in pairs.items():
        out.update(zip(key, value) if isinstance(key, tuple) else [(key, value)])
    return out


def parameter_sets(axes: dict, derive=lambda p: p, valid=lambda p: True, samples: int = SAMPLES,
                   seed: int = 0) -> list:
    """Defaults (each axis's first value), one axis at a time, then a sample of the cross product."""
    base = {k: v[0] for k, v in axes.items()}
    candidates = [base] + [{**base, k: v} for k, values in axes.items() for v in values[1:]]
    product = list(itertools.product(*axes.values()))
    candidates += [dict(zip(axes, combo)) for combo in random.Random(seed).sample(product, min(samples, len(product)))]
    found, seen = [], set()
    for axis_values in candidates:
        params = derive(_unzip(axis_values))
        key = params is not None and tuple(sorted(params.items()))
        if params is not None and valid(params) and key not in seen:
            seen.add(key)
            found.append(params)
    return found


# -- matrix-vector units (custom_op/mvau.py, frac_mvau.py) -----------------------------------------
# XNOR: binary weights and inputs; bipolar: 1-bit +-1 weights, any input; integer: W_BITS-bit
# signed weights (an unsigned UINT k weight type takes k + 1 bits).
ARITHMETIC = {"xnor": dict(XNOR=1, W_BIPOLAR=1, W_BITS=1), "bipolar": dict(XNOR=0, W_BIPOLAR=1, W_BITS=1),
              "int2": dict(XNOR=0, W_BIPOLAR=0, W_BITS=2), "int9": dict(XNOR=0, W_BIPOLAR=0, W_BITS=9)}
MATRIX = {("MW", "SIMD"): [(16, 4), (1, 1), (9, 1), (9, 3), (9, 9), (7, 7), (576, 32)],
          ("MH", "PE"): [(8, 2), (1, 1), (10, 1), (10, 5), (10, 10), (3, 3)]}
# (N_THRES, OUT_BITS, ACT_VAL): a 1-bit activation, 2-bit unsigned, 2-bit signed (FINN's ActVal),
# a narrow-range 2-bit one, raw accumulators (OUT_BITS follows ACC_BITS)
ACTIVATION = {("N_THRES", "OUT_BITS", "ACT_VAL"): [(1, 1, 0), (3, 2, 0), (3, 2, -2), (2, 2, -1), (0, 0, 0)]}
# accumulator types as the flow sizes them: BINARY (an empty layer), INT2, UINT k, INT k, INT32
ACCUMULATOR = {"ACC": ["INT16", "BINARY", "INT2", "UINT4", "INT12", "INT32"]}


def _mvau(p: dict) -> dict | None:
    mode = p.pop("MODE")
    p = {**p, **ARITHMETIC[mode]}
    acc = DataType[p.pop("ACC")]
    if p["XNOR"]:
        p.update(IN_BITS=1, IN_SIGNED=0)
    if p["IN_BIPOLAR"]:  # a +-1 activation into a few-bit layer (outside XNOR mode)
        if p["XNOR"]:
            return None
        p.update(IN_BITS=1, IN_SIGNED=0)
    if p["N_THRES"] == 0:  # raw accumulators leave at the width FINN+ declared
        p["ACC_BITS"] = p["OUT_BITS"] = acc.bitwidth()
    else:
        p["ACC_BITS"] = threshold_bits(acc)
    border = p.pop("BORDER")
    if border is not None:
        if not p["XNOR"]:
            return None
        size, kernel, stride, pads, channels, simd, count = (*border, 1, None, False) if len(border) == 4 else border
        b = Border.of((size, size + 1), (kernel, kernel), (stride, stride), (1, 1), pads, channels)
        simd = simd or (1 if b.window % 2 else 2)
        if count and b.lane_group(simd) is None:
            return None
        p.update(border_params(b, simd if count else None), MW=b.window, SIMD=simd)
        if p["N_THRES"] == 0:  # the zero-padded dot product, in [-MW, MW]
            p["ACC_BITS"] = p["OUT_BITS"] = dot_datatype(b.window).bitwidth()
    return p


def mvau_sets() -> list:
    axes = {"MODE": list(ARITHMETIC), **MATRIX, ("IN_BITS", "IN_SIGNED"): [(1, 0), (2, 1), (2, 0), (8, 1), (32, 1)],
            **ACTIVATION, **ACCUMULATOR, "WEIGHT_STYLE": ["block", "distributed"],
            "THRESH_STYLE": ["distributed", "block"], "MUL_DSP": [0, 1], "IN_BIPOLAR": [0, 1],
            # zero-padded binary convolutions: (input size, kernel, stride, [top, left, bottom, right]
            # [, channels, SIMD, PAD_COUNT]), by per-class thresholds or counting the padding (lane
            # groups of a whole fold, several per fold, odd ones)
            "BORDER": [None, (4, 3, 1, [1, 1, 1, 1]), (1, 3, 1, [1, 1, 1, 1]), (5, 3, 2, [2, 0, 1, 2]),
                       (3, 1, 1, [0, 1, 0, 0]), (4, 3, 1, [1, 1, 1, 1], 4, 2, True),
                       (5, 3, 2, [2, 0, 1, 2], 2, 6, True), (4, 3, 1, [1, 1, 1, 1], 3, 9, True),
                       (1, 3, 1, [1, 1, 1, 1], 1, 1, True)]}
    valid = lambda p: p["ACC_BITS"] >= 1 and p["N_THRES"] < 1 << p["OUT_BITS"]  # noqa: E731
    # counting the padding with a raw output (the sample rarely draws it)
    raw_count = {**{k: v[:1] for k, v in axes.items()}, ("N_THRES", "OUT_BITS", "ACT_VAL"): [(0, 0, 0)],
                 "BORDER": [b for b in axes["BORDER"] if len(b or ()) == 7]}
    return parameter_sets(axes, _mvau, valid, samples=24) + parameter_sets(raw_count, _mvau, valid, samples=0)


def activate_sets() -> list:
    def derive(p):
        p = dict(p)
        acc = DataType[p.pop("ACC")]
        p["ACC_BITS"] = acc.bitwidth() if p["N_THRES"] == 0 else threshold_bits(acc)
        if p["N_THRES"] == 0:
            p["OUT_BITS"] = p["ACC_BITS"]
        return p

    axes = {"PE": [2, 1, 3], **ACTIVATION, **ACCUMULATOR, ("CORRECT", "CORRECT_BIAS"): [(0, 0), (1, -9), (1, 0)]}
    return parameter_sets(axes, derive, lambda p: p["N_THRES"] < 1 << p["OUT_BITS"] and
                          (not p["CORRECT"] or p["N_THRES"] == 0))


def frac_mvau_sets() -> list:  # ACC_BITS: the accumulator type's width (raw outputs leave at it)
    def derive(p):
        return {**p, "OUT_BITS": p["ACC_BITS"]} if p["N_THRES"] == 0 else p

    axes = {**MATRIX, **ACTIVATION, "ACC_BITS": [12, 2, 3, 32], "WEIGHT_STYLE": ["block", "distributed"],
            "SKIP_LSB": [1, 0]}
    return parameter_sets(axes, derive, lambda p: p["N_THRES"] < 1 << p["OUT_BITS"])


# -- thresholding (custom_op/thresholding.py): STAGES = search_stages(thresholds) ---------------------
def thresholding_sets() -> list:
    def derive(p):
        p = dict(p)
        p["STAGES"] = search_stages(p.pop("THRESHOLDS"))
        if p.pop("SHARED"):  # one set of thresholds for every channel (rtl/shared_thresholds.py)
            p["MEM_FOLDS"] = 1
        return p

    axes = {("CHANNELS", "PE"): [(4, 2), (1, 1), (3, 1), (3, 3), (20, 4)], "SHARED": [0, 1],
            ("IN_BITS", "IN_SIGNED"): [(4, 0), (1, 0), (2, 1), (8, 0), (16, 1), (24, 1)],
            ("THRESHOLDS", "OUT_BITS", "ACT_VAL"): [(3, 2, 0), (1, 1, 0), (3, 2, -2), (2, 2, -1), (255, 8, -128),
                                                   (255, 8, 0), (15, 4, 0)],
            "THRESH_STYLE": ["distributed", "block"]}
    return parameter_sets(axes, derive)


# -- stream layers -----------------------------------------------------------------------------------
def maxpool_sets() -> list:  # custom_op/pool.py
    axes = {("CHANNELS", "PE"): [(8, 2), (1, 1), (20, 20), (20, 1), (3, 3)], "K2": [4, 1, 9, 2],
            ("BITS", "SIGNED"): [(2, 0), (1, 0), (2, 1), (8, 1), (32, 1)]}
    return parameter_sets(axes)


def window_fold_sets() -> list:  # the pools' WIDTH = PE * lane bits
    return parameter_sets({"K2": [4, 1, 9, 2], "WIDTH": [8, 1, 20, 640]})


def sumpool_sets() -> list:  # custom_op/pool.py (AccPool): OUT_BITS from the sum's width
    def derive(p):
        grow = max(1, math.ceil(math.log2(p["K2"] + 1)))
        return {**p, "OUT_BITS": min(64, p["IN_BITS"] + grow + (0 if p["IN_SIGNED"] or p["BIPOLAR"] else 1))}

    axes = {("CHANNELS", "PE"): [(8, 2), (1, 1), (20, 20), (20, 1), (3, 3)], "K2": [4, 1, 9, 2],
            ("IN_BITS", "IN_SIGNED", "BIPOLAR"): [(2, 0, 0), (1, 0, 0), (2, 1, 0), (8, 1, 0), (1, 0, 1), (32, 1, 0)]}
    return parameter_sets(axes, derive)


def label_select_sets() -> list:  # custom_op/label_select.py: IDX_BITS from FINN+'s output type
    def derive(p):
        p = dict(p)
        wide = p.pop("IDX") == "wide"
        p["IDX_BITS"] = 32 if wide else max(1, math.ceil(math.log2(p["LABELS"])))
        if p["OFFSET_BITS"]:  # a classifier's per-class bias (transformation/classifier_offsets.py)
            fields = [(-1) ** i * (i % (1 << (p["OFFSET_BITS"] - 1))) for i in range(p["LABELS"])]
            packed = sum((f & ((1 << p["OFFSET_BITS"]) - 1)) << (i * p["OFFSET_BITS"]) for i, f in enumerate(fields))
            p["OFFSETS"] = PackedBits(packed, p["LABELS"] * p["OFFSET_BITS"])
        return p

    axes = {("LABELS", "PE"): [(10, 1), (1, 1), (2, 2), (10, 5), (10, 10), (1000, 8)], "K": [1, 2, 3],
            ("BITS", "SIGNED"): [(16, 1), (1, 0), (2, 1), (8, 0), (32, 1)], "IDX": ["min", "wide"],
            ("OFFSET_BITS", "OFFSET_SHIFT"): [(0, 0), (6, 2), (1, 0), (24, 5)]}
    return parameter_sets(axes, derive, lambda p: p["K"] <= p["LABELS"])


def global_sum_sets() -> list:  # custom_op/global_sum.py: output wide enough for PIXELS inputs
    def derive(p):
        grow = max(1, math.ceil(math.log2(p["PIXELS"] + 1)))
        return {**p, "OUT_BITS": min(64, p["IN_BITS"] + grow + (0 if p["IN_SIGNED"] else 1))}

    axes = {("PE", "FOLDS"): [(2, 4), (1, 1), (3, 5), (20, 1)], "PIXELS": [9, 1, 2, 196],
            ("IN_BITS", "IN_SIGNED", "IN_BIPOLAR"): [(8, 1, 0), (1, 0, 0), (2, 1, 0), (16, 1, 0), (32, 1, 0),
                                                     (1, 0, 1)]}
    return parameter_sets(axes, derive)


def repeat_sets() -> list:  # custom_op/repeat.py: channel repeat and DGRL's broadcast over pixels
    axes = {"SIMD": [2, 1, 3], "BITS": [8, 1, 2], "FOLDS": [4, 1, 5], "REPEATS": [2, 1, 3, 49]}
    return parameter_sets(axes)


def thermometer_sets() -> list:  # custom_op/thermometer.py: LEVELS thresholds of IN_BITS + 1 bits
    def derive(p):
        levels, in_bits = p["LEVELS"], p["IN_BITS"]
        step = max(1, (1 << in_bits) // (levels + 1))
        packed = sum(min((i + 1) * step, 1 << in_bits) << (i * (in_bits + 1)) for i in range(levels))
        return {**p, "THRESHOLDS": packed}

    axes = {"PE": [1, 3], "IN_BITS": [8, 1, 2], "LEVELS": [4, 1, 2, 8, 15]}
    return parameter_sets(axes, derive)


def dwc_sets() -> list:  # custom_op/dwc.py: elements per beat on each side
    axes = {"BITS": [1, 2, 11, 32], ("IN_ELEMS", "OUT_ELEMS"): [(4, 3), (1, 1), (1, 32), (5, 1), (2, 4), (8, 4),
                                                                (3, 2), (2, 3), (6, 4), (9, 27)]}
    return parameter_sets(axes)


def fork_sets() -> list:  # custom_op/fork.py
    return parameter_sets({"WIDTH": [8, 1, 17, 512], "OUTPUTS": [2, 1, 3]})


def add_sets() -> list:  # custom_op/join.py: OUT_BITS as FINN+'s ElementwiseAdd types the sum
    def derive(p):
        p = dict(p)
        grow = p.pop("GROW")
        out = max(p["A_BITS"] + (1 if p["B_SIGNED"] and not p["A_SIGNED"] else 0),
                  p["B_BITS"] + (1 if p["A_SIGNED"] and not p["B_SIGNED"] else 0))
        return {**p, "OUT_BITS": out + grow}

    axes = {"PE": [1, 3], ("A_BITS", "A_SIGNED"): [(8, 1), (1, 0), (2, 1), (32, 1), (8, 0)],
            ("B_BITS", "B_SIGNED"): [(8, 1), (1, 0), (9, 1), (32, 1)], "GROW": [1, 0]}
    return parameter_sets(axes, derive)


def concat_sets() -> list:  # custom_op/concat.py: FOLDS packed 16 bits per input
    def derive(p):
        folds = p.pop("FOLDS_EACH")[: p["INPUTS"]]
        return {**p, "FOLDS": sum(f << (16 * i) for i, f in enumerate(folds))}

    axes = {"WIDTH": [8, 1, 64], "INPUTS": [2, 1, 3], "FOLDS_EACH": [(1, 1, 1), (3, 1, 2), (1, 4, 1)],
            "BIPOLAR_IN": [0, 1]}
    return parameter_sets(axes, derive)


def fifo_sets() -> list:  # rtl/stitch.py: between every two layers, any stream width, depth >= 1
    return parameter_sets({"WIDTH": [8, 1, 70, 1024], "DEPTH": [16, 1, 2, 3, 32, 1024],
                           "RAM_STYLE": ["auto", "ultra", "block"]})


def axis_last_sets() -> list:  # vendor/: the DMA's TLAST every BEATS beats
    return parameter_sets({"WIDTH": [8, 1, 512], "BEATS": [4, 1, 2, 1000]})


def axis_check_sets() -> list:  # rtl/top_source.py: on every stream
    return parameter_sets({"WIDTH": [8, 1, 700], "NAME": ["stream", "MVAU_bcnn_0->LabelSelect_bcnn_0"]})


def sum_tree_sets() -> list:  # the popcount chunks of bcnn_mvau and bcnn_frac_mvau
    return parameter_sets({"N": [4, 1, 2, 3, 9, 16], "W": [8, 1, 14]})


def xnor_popcount_sets() -> list:  # the XNOR lanes of bcnn_mvau and bcnn_frac_mvau
    return parameter_sets({"SIMD": [8, 1, 27, 144], "CHUNK": [8, 1, 32], "W": [8, 6]})


def rom_sets() -> list:  # hw/memfiles.py: weight and threshold memories
    return parameter_sets({"WIDTH": [8, 1, 300], "DEPTH": [16, 1, 2, 5, 1024], "STYLE": ["block", "distributed"]})


SWEEPS = {
    "mvau/bcnn_mvau.sv": mvau_sets, "mvau/bcnn_activate.sv": activate_sets,
    "frac_mvau/bcnn_frac_mvau.sv": frac_mvau_sets, "thresholding/bcnn_thresholding.sv": thresholding_sets,
    "maxpool/bcnn_maxpool.sv": maxpool_sets, "sumpool/bcnn_sumpool.sv": sumpool_sets,
    "window_fold/bcnn_window_fold.sv": window_fold_sets, "label_select/bcnn_label_select.sv": label_select_sets,
    "global_sum/bcnn_global_sum.sv": global_sum_sets, "repeat/bcnn_repeat.sv": repeat_sets,
    "thermometer/bcnn_thermometer.sv": thermometer_sets, "dwc/bcnn_dwc.sv": dwc_sets, "fork/bcnn_fork.sv": fork_sets,
    "join/bcnn_add.sv": add_sets, "concat/bcnn_concat.sv": concat_sets, "fifo/bcnn_fifo.sv": fifo_sets,
    "axis_last/bcnn_axis_last.sv": axis_last_sets, "check/bcnn_axis_check.sv": axis_check_sets,
    "memory/bcnn_rom.sv": rom_sets, "mvau/bcnn_sum_tree.sv": sum_tree_sets,
    "mvau/bcnn_xnor_popcount.sv": xnor_popcount_sets,
}
