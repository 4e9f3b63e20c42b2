"""QONNX -> FINN dialect, streamlining into integer thresholds and XNOR-popcounts, bit widths."""
from finn.transformation.fpgadataflow.minimize_accumulator_width import MinimizeAccumulatorWidth
from finn.transformation.fpgadataflow.minimize_weight_bit_width import MinimizeWeightBitWidth
from finn.transformation.qonnx.convert_qonnx_to_finn import ConvertQONNXtoFINN
from finn.transformation.streamline import absorb
from finn.transformation.streamline.reorder import (
    MakeMaxPoolNHWC,
    MoveLinearPastEltwiseAdd,
    MoveLinearPastFork,
    MoveMulPastJoinConcat,
    MoveMulPastMaxPool,
    MoveScalarLinearPastInvariants,
    MoveTransposePastFork,
    MoveTransposePastJoinAdd,
    MoveTransposePastJoinConcat,
)
from finn.transformation.streamline.round_thresholds import RoundAndClipThresholds
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.bipolar_to_xnor import ConvertBipolarMatMulToXnorPopcount
from qonnx.transformation.general import RemoveUnusedTensors
from qonnx.transformation.infer_data_layouts import InferDataLayouts
from qonnx.transformation.lower_convs_to_matmul import LowerConvsToMatMul

from ..transformation.binary_padding import AbsorbPadIntoIm2Col, BinaryIm2ColPadValue
from ..transformation.clip_thresholds import ClipThresholdsToInput
from ..transformation.collapse_thresholds import CollapseConsecutiveThresholds
from ..transformation.depthwise import DenseDepthwiseConvolutions
from ..transformation.empty_accumulators import GiveEmptyAccumulatorsOneBit
from ..transformation.fracbnn_streamline import AbsorbActivationIntoFracMVAU, AbsorbSignIntoFracMVAU, XnorThermometerMatMul
from ..transformation.move_scalar_mul import MoveScalarMulPastReduceSum, MoveScalarMulPastTile
from ..transformation.pooled_quant import ExactPooledQuant
from ..transformation.quick_streamline import QuickStreamline
from ..transformation.pool_codes import MaxPoolOverCodes, BipolarSumPoolAsTernary
from ..transformation.pooling import (
    LowerAveragePool,
    LowerGlobalAveragePool,
    MoveScalarMulPastAveragePool,
    MoveScalarMulPastReduceMean,
    MoveUnitReshapePastMultiThreshold,
    RemoveReshapeRoundTrip,
    SizeSumPoolOutputs,
)
from ..transformation.repeat_channels import MoveTransposePastTile
from ..transformation.round_half_even import RoundTiesToEven, half_even_quants
from ..transformation.squeeze_interaction import AbsorbTransposeIntoReduceSum
from ..transformation.unshare_activations import UnshareBinaryActivations
from ..transformation.weight_types import WeightTypeHoldsEveryWeight
from ..transformation.xnor_accumulators import WidenXnorAccumulators
from ..transformation.zero_padding import ZeroPadBinaryConvolutions
from .dataflow import transform_dataflow
from .prepare import tidy

MAX_LAYOUT_ROUNDS = 20  # transposes move one fork or join per round
MAX_SETTLE_ROUNDS = 4  # layout moves, then streamlining, again while either changes the graph


def step_qonnx_to_finn(model: ModelWrapper, cfg) -> ModelWrapper:
    """Quant/BipolarQuant nodes -> MultiThreshold (activations) and integer initializers (weights);
    a binary activation read by several layers first gets a copy per layer; a quantizer that rounds
    half to even keeps doing so at ties (round_half_even.py), the one after an average pool gets
    thresholds from every window sum (pooled_quant.py)."""
    model = model.transform(UnshareBinaryActivations())
    model = model.transform(ExactPooledQuant())  # before the ties: it replaces a quantizer after an average pool
    ties = half_even_quants(model)
    return tidy(model.transform(ConvertQONNXtoFINN()).transform(RoundTiesToEven(ties)))


def step_streamline(model: ModelWrapper, cfg) -> ModelWrapper:
    """Move and collapse float scales/biases into thresholds; lower convolutions to Im2Col +
    MatMul in NHWC; bipolar MatMuls become XnorPopcountMatMul; FracBNN's units take their signs
    and activations; the classifier's scale and bias go into the TopK."""
    model = model.transform(absorb.AbsorbScalarBiasIntoMultiThreshold())
    model = model.transform(QuickStreamline())
    for t in (MoveScalarMulPastAveragePool(), MoveScalarMulPastReduceMean(), BipolarSumPoolAsTernary(),  # pool_codes.py,
              MaxPoolOverCodes(), LowerAveragePool(), LowerGlobalAveragePool()):  # pooling.py
        model = model.transform(t)
    if model.get_nodes_by_op_type("Conv"):
        model = model.transform(LowerConvsToMatMul())
        model = model.transform(DenseDepthwiseConvolutions())
        model = model.transform(AbsorbPadIntoIm2Col())
        model = model.transform(MakeMaxPoolNHWC())
        model = model.transform(absorb.AbsorbTransposeIntoMultiThreshold())
        model = model.transform(MakeMaxPoolNHWC())
        model = model.transform(absorb.AbsorbConsecutiveTransposes())
    model = model.transform(XnorThermometerMatMul())
    model = model.transform(ConvertBipolarMatMulToXnorPopcount())
    model = model.transform(ZeroPadBinaryConvolutions())
    model = model.transform(BinaryIm2ColPadValue())
    model = model.transform(QuickStreamline())
    if model.get_nodes_by_op_type("FracMVAU_bcnn"):
        model = model.transform(AbsorbSignIntoFracMVAU())
        model = model.transform(QuickStreamline())
        model = model.transform(absorb.AbsorbTransposeIntoMultiThreshold())  # a convolution's unit
        model = model.transform(AbsorbActivationIntoFracMVAU())
    model = streamline_shortcuts(model)
    model = model.transform(MoveUnitReshapePastMultiThreshold())  # a kept mean quantized, then flattened
    model = model.transform(RemoveReshapeRoundTrip())  # a kept (N, C, 1, 1) mean, flattened
    model = model.transform(absorb.AbsorbScalarMulAddIntoTopK())
    model = model.transform(InferDataLayouts())
    return model.transform(RemoveUnusedTensors())


def streamline_shortcuts(model: ModelWrapper) -> ModelWrapper:
    """Through a residual: a scale before a fork is copied into each branch, the shortcut's grid
    step on both operands of a join Add or Concat moves past it ((x*s) + (y*s) -> (x + y)*s), past
    max pools, average pools (then lowered to sum pools), channel repeats and pixel sums (DGRL's squeeze), and every such scale is absorbed
    into the thresholds that follow; in a convolutional model the layout transposes move through
    forks and joins until the residual streams NHWC; consecutive thresholds (requantize the sum,
    then binarize it) become one. The moves repeat until none applies, since each can open the
    way for another. A no-op without forks."""
    for _ in range(MAX_SETTLE_ROUNDS):
        settled = model.model.SerializeToString()
        for _ in range(MAX_LAYOUT_ROUNDS):
            before = model.model.SerializeToString()
            for t in (MoveScalarLinearPastInvariants(), MoveScalarMulPastTile(), MoveScalarMulPastReduceSum(),
                      MoveMulPastMaxPool(), MoveLinearPastFork(), MoveLinearPastEltwiseAdd(), MoveMulPastJoinConcat(),
                      MoveScalarMulPastAveragePool(), LowerAveragePool(),  # an average-pool shortcut (ResNet-D)
                      absorb.AbsorbMulIntoMultiThreshold(), CollapseConsecutiveThresholds(),
                      MoveTransposePastFork(), MoveTransposePastTile(), AbsorbTransposeIntoReduceSum(),
                      absorb.AbsorbTransposeIntoMultiThreshold(),
                      MoveTransposePastJoinAdd(), MoveTransposePastJoinConcat(),
                      absorb.AbsorbConsecutiveTransposes(), MakeMaxPoolNHWC()):
                model = model.transform(t)
            if model.model.SerializeToString() == before:
                break
        # Streamline absorbs the adds the moves uncovered; a collapse it allows can open the way
        # for the layout moves again (a +-1 activation requantized by a shortcut's quantizer)
        model = model.transform(QuickStreamline()).transform(CollapseConsecutiveThresholds())
        if model.model.SerializeToString() == settled:
            break
    return model


def step_minimize_bit_widths(model: ModelWrapper, cfg) -> ModelWrapper:
    """Shrink accumulators and weight storage to the widths the values need (a weight type that
    holds every weight, see weight_types.py; XNOR popcounts widened to 0..MW, see
    xnor_accumulators.py; an all-zero weight matrix's at least one bit, see empty_accumulators.py),
    then round thresholds to integers and clip them to the (now known) accumulator range: exact,
    since every threshold compares against an integer."""

    def minimize(df: ModelWrapper) -> ModelWrapper:
        df = df.transform(ClipThresholdsToInput())
        df = df.transform(MinimizeWeightBitWidth())
        df = df.transform(WeightTypeHoldsEveryWeight())  # FINN+ types weights in [-1, 0] BIPOLAR
        df = df.transform(MinimizeAccumulatorWidth())
        df = df.transform(GiveEmptyAccumulatorsOneBit())  # an all-zero weight matrix: UINT0 otherwise
        df = df.transform(SizeSumPoolOutputs())  # pooling.py: a sum of symmetric values is signed
        df = df.transform(WidenXnorAccumulators())
        return df.transform(RoundAndClipThresholds())

    return transform_dataflow(model, cfg, "minimize_bit_widths", minimize)
