"""Checks against the float QONNX reference skip inputs that put one of its quantizers on a
rounding boundary (models/reference_samples.py): there float rounding, not the model, picks
the output, while the integer design is exact."""
from types import SimpleNamespace

import numpy as np
import pytest
from onnx import helper

from build_flows.verify import VerificationError, Verifier
from models.reference_samples import drawn_samples, on_boundary
from tests.transformation.graphs import QONNX, f32, make_model


def signs_of(offset: float):
    """y = sign(x - offset): x = offset is the boundary."""
    nodes = [helper.make_node("Sub", ["x", "offset"], ["centred"]),
             helper.make_node("BipolarQuant", ["centred", "one"], ["y"], domain=QONNX, name="sign")]
    return make_model(nodes, {"x": [1, 6]}, {"y": [1, 6]}, {"offset": f32(offset), "one": f32(1.0)})


def halves(weights_halfway: bool = False):
    """y = round(x / 2) on 4 signed bits (x odd: halfway); the Mul's operand quantized as a weight."""
    weight = f32([0.5] * 6) if weights_halfway else f32([1.0] * 6)
    nodes = [helper.make_node("Quant", ["w", "one", "zero", "four"], ["wq"], domain=QONNX, rounding_mode="ROUND",
                              signed=1, narrow=0),
             helper.make_node("Mul", ["x", "wq"], ["scaled"]),
             helper.make_node("Quant", ["scaled", "two", "zero", "four"], ["y"], domain=QONNX, rounding_mode="ROUND", name="halve",
                              signed=1, narrow=0)]
    inits = {"w": weight, "one": f32(1.0), "two": f32(2.0), "zero": f32(0.0), "four": f32(4.0)}
    return make_model(nodes, {"x": [1, 6]}, {"y": [1, 6]}, inits)


def test_a_sign_of_zero_is_a_boundary():
    model = signs_of(1.0)
    out, tie = on_boundary(model, f32([[0, 2, 1, 2, 0, 0]]))
    assert tie == "sign"
    assert out.shape == (1, 6)
    assert on_boundary(model, f32([[0, 2, 2, 2, 0, 0]]))[1] is None


def test_halfway_between_two_levels_is_a_boundary_of_a_rounding_quantizer():
    model = halves()
    assert on_boundary(model, f32([[2, 4, 3, 0, 2, 2]]))[1] == "halve"
    assert on_boundary(model, f32([[2, 4, 6, 0, 2, 2]]))[1] is None


def test_weights_on_a_boundary_do_not_count():
    # 0.5 rounds to 0 in every execution alike: not an input-dependent tie
    assert on_boundary(halves(weights_halfway=True), f32([[2, 4, 6, 0, 2, 2]]))[1] is None


def test_samples_avoid_boundaries_and_keep_the_outputs():
    model = signs_of(1.0)
    drawn = drawn_samples(model, lambda p: p, 2, count=5, seed=3)
    assert len(drawn) == 5
    for p, out, tie in drawn:
        assert np.all(p != 1) and tie is None  # pixel 1 - offset 1 = 0: a tie
        np.testing.assert_array_equal(out, np.where(p >= 1, 1.0, -1.0))


def test_samples_fill_up_with_ties_when_no_draw_avoids_them():
    # every draw of 6 pixels from {0}, seen as 0 + 1: the sign of 1 - offset 1 = 0, all ties; the count is still met
    drawn = drawn_samples(signs_of(1.0), lambda p: p + 1, 1 - 1e-9, count=2, seed=0)
    assert len(drawn) == 2 and all(np.all(p == 0) and tie is not None for p, _, tie in drawn)


def test_a_clipped_value_is_no_boundary():
    # 15 / 2 = 7.5 is halfway to 8, beyond the top level 7 of 4 signed bits: clipped to 7 either way
    model = halves()
    assert on_boundary(model, f32([[2, 4, 15, 0, 2, 2]]))[1] is None
    assert on_boundary(model, f32([[2, 4, 13, 0, 2, 2]]))[1] == "halve"


def test_the_verifier_compares_tie_free_draws_and_catches_a_step_off_the_boundary(tmp_path):
    cfg = SimpleNamespace(model_input=lambda p: p, input_scale=2, verify_samples=3, seed=0)
    verifier = Verifier(signs_of(1.0), cfg)
    assert len(verifier.pixels) == 3 and not any(verifier.on_boundary)
    # sign(0) taken as -1: differs on the boundary only, where no compared draw is
    assert verifier.check(signs_of(1.0 + 1e-3), "tie_side", tmp_path)["samples"] == 3
    with pytest.raises(VerificationError, match="after step 'shifted'"):
        verifier.check(signs_of(-0.5), "shifted", tmp_path)  # sign(0 + 0.5): differs at pixel 0


def test_the_verifier_counts_a_disagreement_on_a_draw_left_on_a_boundary_instead_of_raising(tmp_path):
    cfg = SimpleNamespace(model_input=lambda p: p + 1, input_scale=0, verify_samples=3, seed=0)
    verifier = Verifier(signs_of(1.0), cfg)  # every draw is all ties
    entry = verifier.check(signs_of(1.0 + 1e-3), "tie_side", tmp_path)  # sign(0) taken as -1
    assert entry["samples"] == entry["samples_on_boundary"] == entry["boundary_disagreements"] == 3
    assert entry["labels_agree"] == 0
    entry = verifier.check(signs_of(1.0), "same", tmp_path)  # compared all the same: agreement counts
    assert entry["labels_agree"] == 3 and entry["boundary_disagreements"] == 0


def flattened_halves():
    """halves() on a (1, 2, 3) input flattened by a Reshape that names the batch of one."""
    inner = halves()
    nodes = [helper.make_node("Reshape", ["x3", "shape"], ["x"])] + list(inner.graph.node)
    inits = {i.name: f32(inner.get_initializer(i.name)) for i in inner.graph.initializer}
    inits["shape"] = np.array([1, 6], dtype=np.int64)
    return make_model(nodes, {"x3": [1, 2, 3]}, {"y": [1, 6]}, inits)


def test_draws_evaluated_together_equal_draws_one_at_a_time():
    model = flattened_halves()
    drawn = drawn_samples(model, lambda p: p, 15, count=4, seed=1)
    assert len(drawn) == 4 and sum(tie is None for _, _, tie in drawn) >= 1
    for p, out, tie in drawn:
        alone, alone_tie = on_boundary(model, p)
        assert out.shape == alone.shape == (1, 6) and tie == alone_tie
        np.testing.assert_array_equal(out, alone)
