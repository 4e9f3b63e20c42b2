"""round_half_even: which Quants round half to even (half_even_quants), and their converted
thresholds moved so a tie no longer reaches an odd level and the conversion equals QONNX's
execution next to every half step (RoundTiesToEven)."""
from dataclasses import replace

import numpy as np
import pytest
from onnx import helper

from finn.transformation.qonnx.convert_qonnx_to_finn import ConvertQONNXtoFINN

from build_flows.transformation.round_half_even import HalfEvenQuant, RoundTiesToEven, half_even_quants

from .graphs import QONNX, apply_once, assert_unchanged, f32, make_model, op_types, run

STEP = 2.0 ** -3
BITS, LOWEST = 3, -4  # a signed 3-bit quantizer: levels -4..3
QUANT = HalfEvenQuant("x", "y", (STEP,), BITS, signed=True)  # converted() below
TIES_AND_GRID = (np.arange(2 * LOWEST - 1, 2 * (LOWEST + 2**BITS) + 1) * STEP / 2).astype(np.float32)


def test_rounding_activation_quants_are_found():
    nodes = [helper.make_node("Quant", ["x", "scale", "zero", "bits"], ["round"], domain=QONNX, signed=1, narrow=1,
                              rounding_mode="ROUND"),
             helper.make_node("Quant", ["round", "scale", "zero", "bits"], ["floor"], domain=QONNX, signed=0,
                              rounding_mode="FLOOR"),
             helper.make_node("Quant", ["w", "scale", "zero", "bits"], ["weights"], domain=QONNX, signed=1,
                              rounding_mode="ROUND"),
             helper.make_node("Add", ["floor", "weights"], ["y"])]
    model = make_model(nodes, {"x": [1, 4]}, {"y": [1, 4]},
                       {"scale": f32(STEP), "zero": f32(0.0), "bits": f32(BITS), "w": f32(np.ones((1, 4)))})
    # only the activation quantizer that rounds; narrow: its lowest level is -3
    assert half_even_quants(model) == [HalfEvenQuant("x", "round", (STEP,), BITS, True, True)]
    assert half_even_quants(model)[0].lowest == -3


def converted(tail=("Add", "Mul")):
    """What FINN+'s conversion makes of Quant(x, STEP, 0, 3 bits, signed): MultiThreshold with a
    threshold at every half step (count of x >= T) -> Add(lowest) -> Mul(STEP) -> y."""
    thresholds = (LOWEST + 0.5 + np.arange(2**BITS - 1)) * STEP
    nodes = [helper.make_node("MultiThreshold", ["x", "thresholds"], ["count"], domain=QONNX, out_dtype="UINT3")]
    tensors = {"Add": ("lowest", f32(LOWEST)), "Mul": ("step", f32(STEP))}
    source, inits = "count", {"thresholds": f32(thresholds.reshape(1, -1))}
    for k, op in enumerate(tail):
        out = "y" if k == len(tail) - 1 else f"{op.lower()}_out"
        if op == "Relu":
            nodes.append(helper.make_node("Relu", [source], [out]))
        else:
            name, value = tensors[op]
            nodes.append(helper.make_node(op, [source, name], [out]))
            inits[name] = value
        source = out
    return make_model(nodes, {"x": [1, len(TIES_AND_GRID)]}, {"y": [1, len(TIES_AND_GRID)]}, inits)


def half_even(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x / STEP), LOWEST, LOWEST + 2**BITS - 1) * STEP  # numpy rounds half to even


def test_ties_reach_even_levels_only():
    model = converted()
    x = TIES_AND_GRID.reshape(1, -1)
    assert np.any(run(model, {"x": x})["y"] != half_even(x))  # as converted, ties round up
    # (the pass reports no change by design: model.transform repeats a pass while it reports one,
    # and each application moves the thresholds again)
    after, _ = apply_once(RoundTiesToEven([QUANT]), model)
    np.testing.assert_array_equal(run(after, {"x": x})["y"], half_even(x))
    old, new = model.get_initializer("thresholds")[0], after.get_initializer("thresholds")[0]
    reached = LOWEST + 1 + np.arange(len(old))
    moved = reached % 2 != 0
    # the odd levels' thresholds move up by one float32 step, the even levels' stay
    np.testing.assert_array_equal(new[moved], np.nextafter(old[moved], np.float32(np.inf)))
    np.testing.assert_array_equal(new[~moved], old[~moved])


@pytest.mark.parametrize("tail", [("Add",), ("Add", "Mul")], ids=["without scale", "with scale"])
def test_ties_are_found_however_the_conversion_ends(tail):
    model = converted(tail)
    after, _ = apply_once(RoundTiesToEven([QUANT]), model)
    assert not np.array_equal(after.get_initializer("thresholds"), model.get_initializer("thresholds"))


@pytest.mark.parametrize("tail, quant", [(("Add", "Mul"), replace(QUANT, input="elsewhere")),
                                         (("Add", "Mul"), replace(QUANT, output="elsewhere")),
                                         (("Relu", "Mul"), QUANT)],
                         ids=["other input", "other output", "not the conversion"])
def test_other_thresholds_stay(tail, quant):
    assert_unchanged(RoundTiesToEven([quant]), converted(tail))


def quantizer(signed: bool, scale: float, relu: bool, width: int):
    """[Relu ->] Quant(3 bits, ROUND) on a (1, width) input, as Brevitas exports QuantReLU/QuantIdentity."""
    nodes = [helper.make_node("Relu", ["x"], ["r"])] if relu else []
    nodes.append(helper.make_node("Quant", ["r" if relu else "x", "scale", "zero", "bits"], ["y"], domain=QONNX,
                                  signed=int(signed), narrow=0, rounding_mode="ROUND"))
    return make_model(nodes, {"x": [1, width]}, {"y": [1, width]},
                      {"scale": f32(scale), "zero": f32(0.0), "bits": f32(BITS)})


def near_half_steps(scale: float) -> np.ndarray:
    """Every half step (k + 0.5) * scale of the signed range and its three float32 neighbours either
    side, and a 0.5 grid: where a threshold one float32 step off changes the level."""
    half = ((np.arange(-2**BITS, 2**BITS + 1) + 0.5) * np.float64(np.float32(scale))).astype(np.float32)
    x, down, up = [half, np.arange(-4, 5, dtype=np.float32) / 2], half, half
    for _ in range(3):
        down, up = np.nextafter(down, np.float32(-np.inf)), np.nextafter(up, np.float32(np.inf))
        x += [down, up]
    return np.concatenate(x).reshape(1, -1)


@pytest.mark.parametrize("signed, scale, relu", [(False, 1 / 7, True), (False, STEP, True), (True, 1 / 7, False),
                                                 (True, 0.1, False)],
                         ids=["relu, scale 1/7", "relu, scale 1/8", "identity, scale 1/7", "identity, scale 0.1"])
def test_converted_quantizer_matches_qonnx_near_every_half_step(signed, scale, relu):
    # FINN+ bypasses a QuantReLU's Relu (its thresholds read the Relu's input), and QONNX divides by
    # a scale that is no power of two in float32: 0.5 / float32(1/7) = 3.4999998 rounds to 3 while
    # the converted threshold float32(3.5 / 7) is 0.5 itself (fuzz seed 79).
    x = near_half_steps(scale)
    model = quantizer(signed, scale, relu, x.shape[1])
    after = model.transform(ConvertQONNXtoFINN()).transform(RoundTiesToEven(half_even_quants(model)))
    assert "Quant" not in op_types(after)
    np.testing.assert_array_equal(run(after, {"x": x})["y"], run(model, {"x": x})["y"])
