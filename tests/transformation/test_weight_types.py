"""weight_types: after FINN+'s MinimizeWeightBitWidth, a matrix-vector unit's weight type holds
every weight (WeightTypeHoldsEveryWeight), so bcnn_mvau's weight memory holds the weights the
python execution multiplies by. Fuzzer seed 31 (INT8 input, a 3x3 2-bit convolution of one
channel whose weights all quantized to -1 or 0) streamed a wrong MVAU output without it."""
import numpy as np
import pytest
from finn.transformation.fpgadataflow.minimize_weight_bit_width import MinimizeWeightBitWidth
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from build_flows.transformation.weight_types import WeightTypeHoldsEveryWeight

from .graphs import BCNN, f32, make_model

MW, MH = 9, 2  # a 3x3 window of one channel, two output channels: seed 31's first layer
SEED31_WEIGHTS = [[-1, 0], [0, -1], [0, 0], [0, 0], [-1, -1], [0, 0], [0, 0], [0, 0], [0, -1]]


def mvau(weights):
    """x (1, MW) INT8 -> MVAU_bcnn with raw INT16 outputs and INT2 `weights` (MW, MH) -> y."""
    attrs = dict(MW=MW, MH=MH, SIMD=1, PE=1, inputDataType="INT8", weightDataType="INT2", outputDataType="INT16",
                 accDataType="INT16", binaryXnorMode=0, noActivation=1, backend="fpgadataflow")
    node = helper.make_node("MVAU_bcnn", ["x", "weights"], ["y"], domain=BCNN, name="mvau", **attrs)
    return make_model([node], {"x": [1, MW]}, {"y": [1, MH]}, {"weights": f32(weights)},
                      {"x": "INT8", "weights": "INT2", "y": "INT16"})


def minimized(weights):
    model = mvau(weights).transform(MinimizeWeightBitWidth()).transform(WeightTypeHoldsEveryWeight())
    return model, getCustomOp(model.graph.node[0])


def stored_weights(inst, model, directory) -> np.ndarray:
    """The weights bcnn_mvau reads from the memory file rtl_instance writes (PE = SIMD = 1: one
    weight a line, (MH, MW) row-major): W_BIPOLAR codes 1/0 as +-1, else W_BITS two's complement."""
    params = inst.rtl_instance(model, directory, "xc7z020clg400-1").params
    codes = np.array([int(line, 16) for line in (directory / params["WEIGHT_FILE"]).read_text().split()])
    bits = params["W_BITS"]
    values = 2 * codes - 1 if params["W_BIPOLAR"] else np.where(codes >= 1 << (bits - 1), codes - (1 << bits), codes)
    return values.reshape(MH, MW).T


def test_finn_types_weights_of_minus_one_and_zero_bipolar():
    """The FINN+ behaviour this pass exists for (if it changes, the pass is a no-op there)."""
    model = mvau(SEED31_WEIGHTS).transform(MinimizeWeightBitWidth())
    assert getCustomOp(model.graph.node[0]).get_nodeattr("weightDataType") == "BIPOLAR"


def test_seed31_weights_are_stored_as_they_are(tmp_path):
    model, inst = minimized(SEED31_WEIGHTS)
    assert inst.get_nodeattr("weightDataType") == "INT2"
    np.testing.assert_array_equal(stored_weights(inst, model, tmp_path), SEED31_WEIGHTS)


@pytest.mark.parametrize("values, finn_type", [((-1, 0), None), ((-1,), "BIPOLAR"), ((0, 1), "BINARY"),
                                               ((-1, 1), "INT2"), ((-2, -1, 0, 1), "INT2"), ((0,), "BINARY"),
                                               ((-4, 3), "INT3")])
def test_every_weight_range_gets_a_type_that_holds_it(values, finn_type, tmp_path):
    """Random weights over `values` (each drawn at least once): their type holds them all, and the
    weight memory holds them; a type FINN+ got right (`finn_type`) is kept."""
    rng = np.random.default_rng(len(values))
    weights = rng.choice(values, (MW, MH))
    weights.reshape(-1)[:len(values)] = values
    model, inst = minimized(weights)
    wdt = DataType[inst.get_nodeattr("weightDataType")]
    assert all(wdt.allowed(v) for v in values)
    if finn_type:
        assert wdt.name == finn_type
    np.testing.assert_array_equal(stored_weights(inst, model, tmp_path), weights)
