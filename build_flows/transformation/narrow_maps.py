"""A convolution whose window is wider than its map (a 3x3 kernel with padding 1 over a map one
pixel high or wide, what a small input leaves after a few downsamplings) onto the part of its
kernel that ever sees the map.

qonnx lowers a convolution over a map one pixel high only with a kernel one pixel high and no
padding along it. Along such an axis every window position but one reads zeros only, and a zero
contributes nothing to a dot product (a +-1 activation's zero padding included: the border is a
real 0 in QONNX's Conv). So when the convolution has one output along that axis, only kernel row
`pad_begin` ever meets the map: CropWindowsToMap keeps that row of the weights (before their
quantizer, which quantizes each weight alone), sets the kernel to 1 and the padding to 0 along the
axis. Exact; a window with more than one output (or a dilation) along such an axis is refused by
name (checks.py)."""
import numpy as np
from onnx import helper
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_shapes import InferShapes

from ..checks import single_tap, window_over_one_pixel

WEIGHT_QUANTIZERS = ("Quant", "BipolarQuant", "IntQuant")


def _ints(node, name, default):
    found = next((a for a in node.attribute if a.name == name), None)
    return list(found.ints) if found is not None else list(default)


def _set_ints(node, name, values):
    for attr in [a for a in node.attribute if a.name == name]:
        node.attribute.remove(attr)
    node.attribute.append(helper.make_attribute(name, [int(v) for v in values]))


def _weight_initializer(model, conv) -> str | None:
    """The initializer holding the convolution's weights, directly or behind a weight quantizer
    that nothing else reads."""
    tensor = conv.input[1]
    if model.get_initializer(tensor) is not None:
        return tensor if len(model.find_consumers(tensor)) == 1 else None
    quant = model.find_producer(tensor)
    if (quant is None or quant.op_type not in WEIGHT_QUANTIZERS or len(model.find_consumers(tensor)) != 1
            or model.get_initializer(quant.input[0]) is None or len(model.find_consumers(quant.input[0])) != 1):
        return None
    return quant.input[0]


class CropWindowsToMap(Transformation):
    def apply(self, model):
        for conv in model.get_nodes_by_op_type("Conv"):
            shape = model.get_tensor_shape(conv.input[0])
            if shape is None or len(shape) != 4 or window_over_one_pixel(model, conv) is not None:
                continue  # nothing to crop, or not croppable (refused by checks.py)
            kernel = _ints(conv, "kernel_shape", model.get_tensor_shape(conv.input[1])[2:])
            pads, strides = _ints(conv, "pads", [0] * 4), _ints(conv, "strides", [1, 1])
            taps = [single_tap(shape[2 + a], kernel[a], pads[a], pads[a + 2], strides[a]) for a in (0, 1)]
            weights = _weight_initializer(model, conv)
            if all(t is None for t in taps) or weights is None:
                continue
            w = model.get_initializer(weights)
            for axis, tap in enumerate(taps):
                if tap is not None:
                    w = np.take(w, [tap], axis=2 + axis)
                    kernel[axis], pads[axis], pads[axis + 2], strides[axis] = 1, 0, 0, 1
            model.set_initializer(weights, w)
            _set_ints(conv, "kernel_shape", kernel)
            _set_ints(conv, "pads", pads)
            _set_ints(conv, "strides", strides)
            for tensor in {weights, conv.input[1]}:
                model.set_tensor_shape(tensor, list(w.shape))
            return model.transform(InferShapes()), True
        return model, False
