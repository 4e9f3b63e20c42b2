"""CropWindowsToMap: a window wider than its one-pixel map (a 3x3 kernel with padding 1 over a
1x1 or 1xW map) keeps only the kernel row/column that meets the map: same function, exactly,
through the weights' quantizer; a window with more outputs along such an axis is left alone and
refused by name (checks.py)."""

import numpy as np
import pytest
from onnx import helper

from build_flows.checks import refuse_window_over_one_pixel
from build_flows.transformation.narrow_maps import CropWindowsToMap
from models.errors import BcnnError

from .graphs import QONNX, apply_once, assert_same_function, assert_unchanged, f32, make_model, random_tensor

CIN, COUT = 3, 4


def conv(h, w, kernel, pads, strides=(1, 1), quantized=True):
    """x (1, CIN, h, w) -> Conv (weights through a signed 3-bit Quant, or +-1 BipolarQuant) -> y."""
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((COUT, CIN, *kernel)).astype(np.float32)
    out = [(size + pads[a] + pads[a + 2] - kernel[a]) // strides[a] + 1 for a, size in enumerate((h, w))]
    quant = (helper.make_node("Quant", ["W", "s", "z", "b"], ["Wq"], domain=QONNX, signed=1, narrow=0,
                              rounding_mode="ROUND") if quantized
             else helper.make_node("BipolarQuant", ["W", "s"], ["Wq"], domain=QONNX))
    nodes = [quant, helper.make_node("Conv", ["x", "Wq"], ["y"], kernel_shape=list(kernel), pads=list(pads),
                                     strides=list(strides), name="Conv_0")]
    inits = {"W": weights, "s": f32(0.25), "z": f32(0.0), "b": f32(3.0)}
    if not quantized:
        del inits["z"], inits["b"]
    return make_model(nodes, {"x": [1, CIN, h, w]}, {"y": [1, COUT, *out]}, inits)


def kernel_and_pads(model):
    node = model.get_nodes_by_op_type("Conv")[0]
    attrs = {a.name: list(a.ints) for a in node.attribute}
    return attrs["kernel_shape"], attrs["pads"]


@pytest.mark.parametrize("h, w, kernel, pads, strides, quantized, cropped", [
    (1, 1, (3, 3), (1, 1, 1, 1), (1, 1), True, ([1, 1], [0, 0, 0, 0])),    # a 1x1 map: the centre tap
    (1, 1, (5, 5), (2, 2, 2, 2), (2, 2), False, ([1, 1], [0, 0, 0, 0])),   # strided, +-1 weights
    (1, 4, (3, 3), (1, 1, 1, 1), (1, 1), True, ([1, 3], [0, 1, 0, 1])),    # one pixel high: the middle row
    (4, 1, (3, 3), (1, 1, 1, 1), (2, 2), True, ([3, 1], [1, 0, 1, 0])),    # one pixel wide
])
def test_a_window_over_a_one_pixel_map_keeps_the_taps_that_meet_it(h, w, kernel, pads, strides, quantized, cropped):
    model = conv(h, w, kernel, pads, strides, quantized)
    after, changed = apply_once(CropWindowsToMap(), model)
    assert changed and kernel_and_pads(after) == cropped
    rng = np.random.default_rng(1)
    for _ in range(5):
        assert_same_function(model, after, {"x": random_tensor(rng, "INT4", (1, CIN, h, w))})
    refuse_window_over_one_pixel(after, "m.onnx", croppable=False)  # what qonnx can lower


@pytest.mark.parametrize("h, w, kernel, pads", [(2, 2, (3, 3), (1, 1, 1, 1)), (1, 1, (1, 1), (0, 0, 0, 0))])
def test_a_window_within_its_map_is_left_alone(h, w, kernel, pads):
    assert_unchanged(CropWindowsToMap(), conv(h, w, kernel, pads))


def test_a_window_with_two_outputs_along_a_one_pixel_axis_is_refused_by_name():
    model = conv(1, 4, (3, 3), (2, 1, 2, 1))  # 1 + 4 - 3 + 1 = 3 outputs along H: three different rows
    assert_unchanged(CropWindowsToMap(), model)
    with pytest.raises(BcnnError, match=r"m.onnx: convolution 'Conv_0' has a 3x3 kernel .* one pixel high"):
        refuse_window_over_one_pixel(model, "m.onnx")
    refuse_window_over_one_pixel(conv(1, 1, (3, 3), (1, 1, 1, 1)), "m.onnx")  # croppable: not refused
    with pytest.raises(BcnnError, match="one pixel high"):
        refuse_window_over_one_pixel(conv(1, 1, (3, 3), (1, 1, 1, 1)), "m.onnx", croppable=False)
