"""Quantizers of the baseline BCNNs: signed, narrow-range, with a constant scale.

A constant scale keeps the exported graph free of learned float scales: FINN+ turns each
quantized activation (plus the BatchNorm before it) into integer thresholds, and each weight
tensor into a plain integer matrix, so the hardware needs no multiplier for either.

With bit width 1 the quantizers are bipolar ({-1, +1}, exported as QONNX BipolarQuant); with
bit width b >= 2 they are integers in [-(2^(b-1)-1), 2^(b-1)-1] times the scale (QONNX Quant).
"""
from brevitas.core.bit_width import BitWidthImplType
from brevitas.core.quant import QuantType
from brevitas.core.restrict_val import FloatToIntImplType, RestrictValueType
from brevitas.core.scaling import ScalingImplType
from brevitas.core.zero_point import ZeroZeroPoint
from brevitas.inject import ExtendedInjector, value
from brevitas.quant.solver import ActQuantSolver, WeightQuantSolver


class _SignedConstScale(ExtendedInjector):
    bit_width_impl_type = BitWidthImplType.CONST
    scaling_impl_type = ScalingImplType.CONST
    restrict_scaling_type = RestrictValueType.FP
    scaling_per_output_channel = False
    zero_point_impl = ZeroZeroPoint
    float_to_int_impl_type = FloatToIntImplType.ROUND
    signed = True
    narrow_range = True

    @value
    def quant_type(bit_width):
        return QuantType.BINARY if bit_width == 1 else QuantType.INT


class WeightQuant(_SignedConstScale, WeightQuantSolver):
    """Weights in [-1, 1]: 1 bit -> {-1, 1}; 2 bit -> {-1, 0, 1}."""

    scaling_const = 1.0


class ActQuant(_SignedConstScale, ActQuantSolver):
    """Hidden activations in [-1, 1], same levels as WeightQuant."""

    min_val = -1.0
    max_val = 1.0


class PixelQuant(ActQuant):
    """8-bit input in Q1.7 ([-1, 1 - 2^-7]) for image inputs centred to [-1, 1].

    A power-of-two scale and the full (not narrow) range make the levels 2^-7 apart, so a
    uint8 pixel p maps to round((2p/255 - 1) * 128): FINN+ absorbs this into input thresholds.
    """

    narrow_range = False
    restrict_scaling_type = RestrictValueType.POWER_OF_TWO
    max_val = 1.0 - 2.0**-7


class ShortcutQuant(ActQuant):
    """Real-valued shortcut features as 8-bit integers of step 2^-4 (range [-8, 8 - 2^-4]).

    Both operands of every shortcut add use this grid, so the sum is an exact integer sum in
    torch, in QONNX execution and in hardware; a second ShortcutQuant after the add saturates it.
    """

    narrow_range = False
    restrict_scaling_type = RestrictValueType.POWER_OF_TWO
    min_val = -8.0
    max_val = 8.0 - 2.0**-4
