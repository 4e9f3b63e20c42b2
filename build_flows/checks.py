"""Checks on a user's QONNX file before the flow touches it, each failing with one clear error."""
from pathlib import Path

import onnx
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.util.cleanup import cleanup_model

from models.errors import BcnnError

QUANT_OPS = {"Quant", "BipolarQuant"}
COMPUTE_OPS = {"MatMul", "Gemm", "Conv"}
# Ops that the flow knows how to streamline or map to hardware.
SUPPORTED_OPS = QUANT_OPS | COMPUTE_OPS | {
    "BatchNormalization", "MaxPool", "Mul", "Add", "Sub", "Div", "Reshape", "Flatten",
    "Transpose", "Identity", "Constant", "Squeeze", "Unsqueeze", "Pad",
    # only inside FracBNN's thermometer and gate subgraphs (build_flows/fracbnn.py names any other)
    "Greater", "Less", "Abs", "Cast",
    "Expand", "Tile",  # a channel repeat (SoFAr's widening shortcut), see repeat_channels.py
    "Concat",  # dense connections (SoFAr's DRF-DenseNet), channels only
    "ReduceSum",  # DGRL's squeeze: a sum over the pixels (squeeze_interaction.py); other axes stay unmapped
    "Relu",  # QuantReLU exports Relu -> Quant, which FINN+ converts to thresholds (a float ReLU is refused)
    # a sum pool times 1/k (transformation/pooling.py); what it cannot map exactly is refused below
    "AveragePool", "GlobalAveragePool", "ReduceMean",
}
# Ops through which a quantized tensor stays quantized.
PASS_THROUGH_OPS = {"Reshape", "Flatten", "Transpose", "MaxPool", "Identity", "Squeeze", "Unsqueeze", "Pad",
                    # an average of quantized values is an integer sum on a finer grid (pooling.py)
                    "AveragePool", "GlobalAveragePool", "ReduceMean"}


def load_qonnx(path) -> ModelWrapper:
    """Load and tidy a QONNX model, or raise BcnnError naming the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise BcnnError(f"{path}: no such file (expected a QONNX model written by `bcnn export`)")
    try:
        proto = onnx.load(str(path))
        onnx.checker.check_model(proto)
    except Exception as exc:  # onnx raises several unrelated types for a bad file
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BcnnError(f"{path}: not a valid ONNX model ({first_line})") from exc
    initializers = {t.name for t in proto.graph.initializer}
    inputs = [i.name for i in proto.graph.input if i.name not in initializers]
    if len(inputs) != 1 or len(proto.graph.output) != 1:
        raise BcnnError(
            f"{path}: the model has {len(inputs)} inputs and {len(proto.graph.output)} "
            "outputs; a dataflow accelerator needs exactly one of each"
        )
    check_supported(ModelWrapper(proto), path)  # before tidying: errors use the user's node names
    try:
        model = cleanup_model(ModelWrapper(proto))
    except Exception as exc:
        raise BcnnError(f"{path}: QONNX could not tidy the graph ({exc})") from exc
    refuse_window_over_one_pixel(model, path)
    return model


def single_tap(size: int, kernel: int, pad_begin: int, pad_end: int, stride: int) -> int | None:
    """Along an axis where the map is `size` 1 pixel: the one kernel index that meets the map when
    the window has one output along it (transformation/narrow_maps.py crops the kernel to it);
    None when the axis needs no cropping (a 1-pixel kernel, no padding) or cannot be cropped."""
    if size != 1 or (kernel == 1 and not pad_begin and not pad_end):
        return None
    outputs = (size + pad_begin + pad_end - kernel) // stride + 1
    return pad_begin if outputs == 1 and 0 <= pad_begin < kernel else None


def window_over_one_pixel(model: ModelWrapper, node, croppable: bool = True) -> int | None:
    """The axis (0: high, 1: wide) along which the convolution's window spans a map one pixel
    high (wide) and cannot be cropped to one tap (or can, when not `croppable`); None if none."""
    shape = model.get_tensor_shape(node.input[0])
    if shape is None or len(shape) != 4:
        return None
    attrs = {a.name: list(a.ints) for a in node.attribute if a.ints}
    kernel, pads = attrs.get("kernel_shape", [1, 1]), attrs.get("pads", [0, 0, 0, 0])
    strides, dilations = attrs.get("strides", [1, 1]), attrs.get("dilations", [1, 1])
    for axis in (0, 1):
        if shape[2 + axis] == 1 and (kernel[axis] > 1 or pads[axis] or pads[axis + 2]):
            tap = single_tap(1, kernel[axis], pads[axis], pads[axis + 2], strides[axis])
            if not croppable or tap is None or dilations[axis] != 1:
                return axis
    return None


def refuse_window_over_one_pixel(model: ModelWrapper, path, croppable: bool = True) -> None:
    for node in model.get_nodes_by_op_type("Conv"):
        axis = window_over_one_pixel(model, node, croppable)
        if axis is None:
            continue
        shape = model.get_tensor_shape(node.input[0])
        attrs = {a.name: list(a.ints) for a in node.attribute if a.ints}
        kernel, pads = attrs.get("kernel_shape", [1, 1]), attrs.get("pads", [0, 0, 0, 0])
        name = ("high", "wide")[axis]
        raise BcnnError(
            f"{path}: convolution '{node.name}' has a {kernel[0]}x{kernel[1]} kernel (pads {pads}) over a map "
            f"one pixel {name} (input {shape}) with more than one output (or dilation) along it; bcnn maps such a "
            f"window when it has one output there (only one kernel {'row' if axis == 0 else 'column'} meets the map): "
            f"use padding (kernel - 1) / 2, a {'1xK' if axis == 0 else 'Kx1'} kernel or a larger map")


def check_supported(model: ModelWrapper, path) -> None:
    for index, node in enumerate(model.graph.node):
        if not node.name:
            node.name = f"{node.op_type}_#{index}"
    _check_pooling(model, path)
    _check_concat_types(model, path)
    for node in model.graph.node:
        if node.op_type not in SUPPORTED_OPS:
            raise BcnnError(
                f"{path}: node '{node.name}' has op type '{node.op_type}', which bcnn cannot map to "
                f"hardware; supported op types: {', '.join(sorted(SUPPORTED_OPS))}"
            )
    for node in model.get_nodes_by_op_type("Relu"):
        consumers = model.find_consumers(node.output[0]) or []
        if any(c.op_type == "BipolarQuant" for c in consumers):
            raise BcnnError(f"{path}: node '{node.name}' is a ReLU followed by a +-1 quantizer: Brevitas (0.13) exports "
                            "a 1-bit QuantReLU this way, though in torch it gives 0 or 1; use QuantReLU with bit_width "
                            ">= 2, or a binary QuantIdentity (SignedBinaryActPerTensorConst) for +-1")
        if not consumers or any(c.op_type != "Quant" for c in consumers):
            raise BcnnError(f"{path}: node '{node.name}' is a float ReLU (not followed by a quantizer); use Brevitas "
                            "QuantReLU (bit_width 1 to 8), or put a QuantIdentity after the ReLU")
    if not any(n.op_type in COMPUTE_OPS for n in model.graph.node):
        raise BcnnError(f"{path}: the model has no MatMul, Gemm or Conv layer: nothing to accelerate")
    for node in model.graph.node:
        if node.op_type in COMPUTE_OPS:
            if not _is_quantized(model, node.input[1]):
                raise BcnnError(
                    f"{path}: layer '{node.name}' ({node.op_type}) has float (unquantized) weights; "
                    "quantize them (e.g. Brevitas QuantLinear/QuantConv2d with weight_bit_width 1 or 2)"
                )
            if not _is_quantized(model, node.input[0]):
                raise BcnnError(
                    f"{path}: layer '{node.name}' ({node.op_type}) takes a float (unquantized) input; "
                    "put a quantizer before it (e.g. Brevitas QuantIdentity with bit_width 1 or 2)"
                )


def _check_pooling(model: ModelWrapper, path) -> None:
    """An average pool maps exactly as a sum pool times one scale (transformation/pooling.py): refuse,
    by name, what has no single scale or no window FINN+'s sliding window can make."""
    for node in model.graph.node:
        if node.op_type not in ("AveragePool", "MaxPool", "GlobalAveragePool", "ReduceMean"):
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        what = f"{path}: {'average' if node.op_type != 'MaxPool' else 'max'} pool '{node.name}' ({node.op_type})"
        axes = attrs.get("axes") or (model.get_initializer(node.input[1]) if len(node.input) > 1 else None)
        if node.op_type == "ReduceMean" and (axes is None or sorted(int(a) % 4 for a in axes) != [2, 3]):
            raise BcnnError(f"{what} averages over axes {None if axes is None else [int(a) for a in axes]}; "
                            "bcnn maps a mean over the pixels only (dims (2, 3) of an NCHW tensor, e.g. AdaptiveAvgPool2d(1))")
        if node.op_type in ("AveragePool", "GlobalAveragePool", "ReduceMean") and not _is_quantized(model, node.input[0]):
            raise BcnnError(f"{what} reads a float (unquantized) tensor; put a quantizer before it "
                            "(e.g. Brevitas QuantReLU or QuantIdentity)")
        if node.op_type not in ("AveragePool", "MaxPool"):
            continue
        if attrs.get("ceil_mode", 0) or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            raise BcnnError(f"{what} uses ceil_mode or auto_pad: its last windows would leave the input; "
                            "use ceil_mode=False and explicit padding")
        if any(d != 1 for d in attrs.get("dilations", [])):
            raise BcnnError(f"{what} is dilated {list(attrs['dilations'])}; bcnn maps pools with dilation 1")
        if any(k < s for k, s in zip(attrs["kernel_shape"], attrs.get("strides", []))):
            raise BcnnError(f"{what} has a stride {list(attrs['strides'])} larger than its kernel "
                            f"{list(attrs['kernel_shape'])}; use a stride of at most the kernel size")
        if node.op_type == "AveragePool" and any(attrs.get("pads", [])) and not attrs.get("count_include_pad", 0):
            raise BcnnError(f"{what} leaves its padding out of the divisor (count_include_pad=False), so border "
                            "windows divide by fewer than k*k and no single scale is exact; use count_include_pad=True "
                            "(torch's default) or padding=0")


def _quantizer_type(model: ModelWrapper, tensor: str) -> str | None:
    """The integer type a tensor's quantizer gives it ("BIPOLAR", "INT4", "UINT2"; None: unknown)."""
    producer = model.find_producer(tensor)
    while producer is not None and producer.op_type in PASS_THROUGH_OPS:
        producer = model.find_producer(producer.input[0])
    if producer is None or producer.op_type not in QUANT_OPS:
        return None
    if producer.op_type == "BipolarQuant":
        return "BIPOLAR"
    attrs = {a.name: a.i for a in producer.attribute}
    bits = model.get_initializer(producer.input[3])
    return f"{'INT' if attrs.get('signed', 1) else 'UINT'}{int(bits)}" if bits is not None and bits.size == 1 else None


def _check_concat_types(model: ModelWrapper, path) -> None:
    """A concatenation streams one datatype: its inputs' quantizers must give the same one (scales
    may differ; they move into the next thresholds)."""
    for node in model.get_nodes_by_op_type("Concat"):
        types = [_quantizer_type(model, t) for t in node.input]
        known = {t for t in types if t is not None}
        if len(known) > 1:
            raise BcnnError(
                f"{path}: concatenation '{node.name}' joins tensors of different quantized types ({', '.join(map(str, types))}); "
                "bcnn streams one type per concatenation: quantize every input with the same bit width and signedness "
                "(e.g. a QuantIdentity of one bit width before each)"
            )


def _is_quantized(model: ModelWrapper, tensor: str) -> bool:
    producer = model.find_producer(tensor)
    while producer is not None and producer.op_type in PASS_THROUGH_OPS:
        producer = model.find_producer(producer.input[0])
    if producer is not None and producer.op_type == "Concat":  # quantized when every part is
        return all(_is_quantized(model, t) for t in producer.input)
    if producer is not None and producer.op_type == "Add" and not any(model.get_initializer(t) is not None
                                                                     for t in producer.input):
        # a residual join: two quantized tensors sum to an integer grid when their scales agree
        # (the shortcut's shared quantizer); streamlining names the join if they do not
        return all(_is_quantized(model, t) for t in producer.input)
    if producer is not None:
        return producer.op_type in QUANT_OPS
    # A graph input or initializer: quantized only if annotated with an integer datatype.
    return model.get_tensor_datatype(tensor).is_integer()
