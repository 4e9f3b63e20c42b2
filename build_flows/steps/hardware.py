"""Streamlined graph -> FINN+ hardware layers -> dataflow partition -> HLS/RTL specializations."""
from finn.transformation.fpgadataflow.convert_to_hw.binary_matrix_vector_activation import (
    InferBinaryMatrixVectorActivation,
)
from finn.transformation.fpgadataflow.convert_to_hw.concat import InferConcatLayer
from finn.transformation.fpgadataflow.convert_to_hw.conv_inp_gen import InferConvInpGen
from finn.transformation.fpgadataflow.convert_to_hw.duplicate_streams import InferDuplicateStreamsLayer
from finn.transformation.fpgadataflow.convert_to_hw.elementwise_binary_operation import (
    InferElementwiseBinaryOperation,
)
from finn.transformation.fpgadataflow.convert_to_hw.label_select import InferLabelSelectLayer
from finn.transformation.fpgadataflow.convert_to_hw.pool import InferPool
from finn.transformation.fpgadataflow.convert_to_hw.quantized_matrix_vector_activation import (
    InferQuantizedMatrixVectorActivation,
)
from finn.transformation.fpgadataflow.convert_to_hw.thresholding import InferThresholdingLayer
from finn.transformation.fpgadataflow.create_dataflow_partition import CreateDataflowPartition
from finn.transformation.fpgadataflow.specialize_layers import SpecializeLayers
from finn.transformation.move_reshape import RemoveCNVtoFCFlatten
from finn.transformation.streamline import absorb
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.general import GiveUniqueNodeNames
from qonnx.transformation.infer_data_layouts import InferDataLayouts
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from models.errors import BcnnError
from ..custom_op.base import DOMAIN  # bcnn layers without a FINN+ counterpart, made earlier
from ..transformation.bipolar_thresholds import InferBipolarThresholding
from ..transformation.classifier_offsets import InferLabelSelectWithOffsets
from ..transformation.repeat_channels import InferRepeatChannels
from ..transformation.squeeze_interaction import InferGlobalSum, InferPixelBroadcast
from ..transformation.zero_padding import InferZeroPaddedMVAU
from .dataflow import get_dataflow, set_dataflow, transform_dataflow

HW_DOMAIN = "finn.custom_op.fpgadataflow"


def _refuse_signed_padded_max_pools(model: ModelWrapper, cfg) -> None:
    """FINN+'s padding layer streams 0, the smallest value of unsigned codes only; a padded max pool
    of signed values that pool_codes.MaxPoolOverCodes could not turn into one of codes stops here."""
    for node in model.graph.node:
        pads = next((list(a.ints) for a in node.attribute if a.name == "pads"), [])
        dt = model.get_tensor_datatype(node.input[0])
        if node.op_type in ("MaxPool", "MaxPoolNHWC") and any(pads) and dt.signed():
            raise BcnnError(
                f"{cfg.model}: max pool '{node.name}' pads (pads {pads}) a signed {dt.name} input that no quantizer or "
                "fully connected layer reads alone, so its border cannot be a code 0; use padding=0, pool after an "
                "unsigned activation (QuantReLU), or put a quantizer (QuantIdentity) right after the pool")
# Layout-only ops that may stay in software around the accelerator (the host does them).
HOST_OPS = {"Transpose", "Reshape", "Flatten"}


def step_convert_to_hw(model: ModelWrapper, cfg) -> ModelWrapper:
    """Map each streamlined op to a FINN+ hardware layer (MVAU, Thresholding, sliding window,
    Pool, LabelSelect; a residual's fork to DuplicateStreams, its join to ElementwiseAdd, a dense
    block's channel concatenation to StreamingConcat)."""
    _refuse_signed_padded_max_pools(model, cfg)
    for t in (
        InferZeroPaddedMVAU(),
        InferBinaryMatrixVectorActivation(),
        InferQuantizedMatrixVectorActivation(),
        InferLabelSelectWithOffsets(),
        InferLabelSelectLayer(),
        InferBipolarThresholding(),
        InferThresholdingLayer(),
        InferPool(),
        InferConvInpGen(),
        InferElementwiseBinaryOperation(is_stream_join),
        InferRepeatChannels(),
        InferConcatLayer(),
        InferGlobalSum(),
        InferPixelBroadcast(),
        InferDuplicateStreamsLayer(),
        RemoveCNVtoFCFlatten(),
        absorb.AbsorbConsecutiveTransposes(),
        GiveUniqueNodeNames(),
        InferShapes(),
        InferDataLayouts(),
        InferDataTypes(),
    ):
        model = model.transform(t)
    unmapped = [n for n in model.graph.node if not _is_hw(n) and n.op_type not in HOST_OPS]
    if unmapped:
        n = unmapped[0]
        # a residual's join, mapped already or not
        join = next((c for c in model.find_consumers(n.output[0])
                     if c.op_type.startswith("ElementwiseAdd") or is_stream_join(model, c)), None)
        if n.op_type == "Mul" and join is not None:
            raise BcnnError(
                f"{cfg.model}: node '{n.name}' (Mul) scales an operand of the residual add '{join.name}' by a float "
                "(a BatchNorm's, per channel) that the other operand does not share, so the add cannot run on "
                "integers; quantize both operands with one shared quantizer (a QuantIdentity applied to each, as "
                "Brevitas' ResNets do). Unmapped: " + ", ".join(f"{u.name} ({u.op_type})" for u in unmapped))
        raise BcnnError(
            f"{cfg.model}: node '{n.name}' ({n.op_type}) was not mapped to a hardware layer after "
            "streamlining; typical causes are a float scale that cannot be absorbed into thresholds "
            "(e.g. a negative or per-channel scale before a max pool) or an op without a FINN+ layer. "
            f"Unmapped: {', '.join(f'{u.name} ({u.op_type})' for u in unmapped)}"
        )
    refuse_host_ops_between_layers(model, cfg)
    return model


def _is_hw(node) -> bool:
    return node.domain.startswith((HW_DOMAIN, DOMAIN))


def _reaches_hw(model: ModelWrapper, node, upstream: bool) -> str | None:
    """The name of a hardware layer that feeds `node` (upstream) or that it feeds, if any."""
    seen, todo = set(), [node]
    while todo:
        current = todo.pop()
        if upstream:
            nexts = [model.find_producer(t) for t in current.input]
        else:
            nexts = [c for t in current.output for c in model.find_consumers(t)]
        for n in nexts:
            if n is None or n.name in seen:
                continue
            if _is_hw(n):
                return n.name
            seen.add(n.name)
            todo.append(n)
    return None


def refuse_host_ops_between_layers(model: ModelWrapper, cfg) -> None:
    """A layout op can stay on the host only before the first hardware layer or after the last: one
    between two would split the accelerator (FINN+'s partitioning fails on it deep inside)."""
    for node in model.graph.node:
        if node.op_type not in HOST_OPS:
            continue
        before, after = _reaches_hw(model, node, upstream=True), _reaches_hw(model, node, upstream=False)
        if before and after:
            raise BcnnError(
                f"{cfg.model}: node '{node.name}' ({node.op_type}) sits between hardware layers '{before}' and "
                f"'{after}' and has no hardware layer of its own; a reshape inside the network maps only as a flatten "
                "of a (N, C, 1, 1) or NHWC map into the classifier: reshape at the model's input or output instead")


def is_stream_join(model: ModelWrapper, node) -> bool:
    """An Add of two computed streams (a residual's join); constant Adds are absorbed into thresholds."""
    return node.op_type == "Add" and all(model.get_initializer(t) is None for t in node.input)


def step_create_dataflow_partition(model: ModelWrapper, cfg) -> ModelWrapper:
    """Move the hardware layers into one child model; only layout ops stay in the parent."""
    parent = model.transform(CreateDataflowPartition())
    return set_dataflow(parent, cfg, "create_dataflow_partition", get_dataflow(parent))


def step_specialize(model: ModelWrapper, cfg) -> ModelWrapper:
    """Pick each layer's backend (FINN+ RTL where it has one, else HLS) for the board's part."""

    def specialize(df: ModelWrapper) -> ModelWrapper:
        df = df.transform(SpecializeLayers(cfg.fpga_part))
        return df.transform(GiveUniqueNodeNames())

    return transform_dataflow(model, cfg, "specialize", specialize)
