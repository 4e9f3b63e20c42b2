"""InferLabelSelectWithOffsets: Mul(scalar) -> Add(per class) -> TopK on integer scores becomes a
LabelSelect_bcnn with class offsets that ranks exactly as the float graph does."""
import numpy as np
import pytest
from onnx import helper

from build_flows.transformation.classifier_offsets import InferLabelSelectWithOffsets, class_offsets
from models.errors import BcnnError

from .graphs import apply_once, f32, i64, make_model, op_types, run

LABELS = 6


def classifier(scale, bias, scores_dt="INT6"):
    nodes = [helper.make_node("Mul", ["a", "s"], ["m"]), helper.make_node("Add", ["m", "b"], ["y"]),
             helper.make_node("TopK", ["y", "k"], ["values", "label"], axis=-1)]
    inits = {"s": f32(scale), "b": f32(bias).reshape(1, LABELS), "k": i64([1])}
    model = make_model(nodes, {"a": [1, LABELS]}, {"label": [1, 1]}, inits, {"a": scores_dt},
                       shapes={"values": [1, 1]})
    model.graph.output.remove(model.graph.output[0])
    model.graph.output.append(helper.make_tensor_value_info("label", 7, [1, 1]))
    return model


def test_offsets_rank_every_score_vector_as_the_float_classifier():
    rng = np.random.default_rng(0)
    bias = [0.3, -1.25, 0.3 + 0.5, 2.0, -0.05, 0.3]  # equal and distinct fractional parts, an integer
    model = classifier([0.5], bias)
    after, changed = apply_once(InferLabelSelectWithOffsets(), model)
    assert changed and op_types(after) == ["LabelSelect_bcnn"]
    scores = np.concatenate([rng.integers(-32, 32, (300, LABELS)), np.zeros((1, LABELS)),
                             np.tile([[3, 5, 2, 1, 4, 3]], (1, 1))]).astype(np.float32)
    for a in scores:
        want = run(model, {"a": a[None]})["label"]
        got = run(after, {"a": a[None]})["label"]
        assert int(got.reshape(-1)[0]) == int(want.reshape(-1)[0]), a


def test_offsets_are_floor_and_rank_of_the_scaled_bias():
    offsets, shift = class_offsets(2.0, np.array([1.0, 3.0, -1.0, 2.5]))  # d = 0.5, 1.5, -0.5, 1.25
    assert shift == 1  # two distinct fractions: 0.25 (rank 0) and 0.5 (rank 1)
    assert offsets == [0 * 2 + 1, 1 * 2 + 1, -1 * 2 + 1, 1 * 2 + 0]


def test_a_scalar_bias_a_float_input_or_a_used_value_output_is_left_alone():
    scalar = classifier([0.5], [0.25] * LABELS)
    scalar.set_initializer("b", f32([0.25]))
    assert not apply_once(InferLabelSelectWithOffsets(), scalar)[1]
    assert not apply_once(InferLabelSelectWithOffsets(), classifier([0.5], np.arange(LABELS), "FLOAT32"))[1]


def test_a_per_class_scale_is_refused_naming_the_node():
    model = classifier(np.linspace(0.5, 1.0, LABELS).reshape(1, LABELS), np.arange(LABELS))
    with pytest.raises(BcnnError, match="node 'Mul_0'|per class"):
        apply_once(InferLabelSelectWithOffsets(), model)
