"""ClipThresholdsToInput: a thresholding layer's thresholds below (above) its input range become
the range's end, rounded up, with every output unchanged; MVAUs are left to RoundAndClipThresholds."""
import numpy as np
from onnx import helper

from build_flows.transformation.clip_thresholds import ClipThresholdsToInput

from .graphs import FINN, apply_once, assert_same_function, assert_unchanged, f32, make_model


def thresholding(thresholds, kind="Thresholding"):
    t = f32(thresholds)
    node = helper.make_node(kind, ["x", "T"], ["y"], domain=FINN, backend="fpgadataflow", NumChannels=t.shape[0],
                            PE=1, numSteps=t.shape[1], inputDataType="UINT4", weightDataType="INT8",
                            outputDataType="UINT2", ActVal=0, numInputVectors=[1])
    return make_model([node], {"x": [1, t.shape[0]]}, {"y": [1, t.shape[0]]}, {"T": t}, {"x": "UINT4"})


def test_thresholds_outside_an_unsigned_input_are_clipped_without_changing_outputs():
    model = thresholding([[-7.5, 2.2, 30.0], [-1.0, 0.0, 15.5]])
    after, changed = apply_once(ClipThresholdsToInput(), model)
    assert changed
    np.testing.assert_array_equal(after.get_initializer("T"), [[0, 3, 16], [0, 0, 16]])
    for value in range(16):
        assert_same_function(model, after, {"x": f32([[value, value]])})


def test_thresholds_inside_the_range_are_left_alone():
    assert_unchanged(ClipThresholdsToInput(), thresholding([[1, 2, 3], [0, 7, 16]]))
