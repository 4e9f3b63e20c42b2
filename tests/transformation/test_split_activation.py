"""split_activation: a matrix-vector unit with more thresholds per channel than it compares at
once emits its accumulator into a Thresholding_bcnn of its own (SplitWideActivations)."""
import numpy as np
import pytest
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp

from build_flows.rtl.split_activation import SplitWideActivations

from .graphs import BCNN, apply_once, assert_same_function, assert_unchanged, f32, make_model, op_types, random_tensor

MW, MH = 16, 4
ACC = "UINT5"  # an XNOR popcount of 16: 0..16


def thresholded_unit(activation="UINT4", vectors=(1,), no_activation=False):
    """x (BINARY) -> MVAU_bcnn (XNOR popcount, thresholds to `activation`: 2^bits - 1 steps) -> y."""
    rng = np.random.default_rng(0)
    steps = 2 ** DataType[activation].bitwidth() - 1
    inits = {"weights": random_tensor(rng, "BINARY", (MW, MH))}
    inputs = ["x", "weights"]
    if not no_activation:
        inits["thresholds"] = f32(np.sort(rng.integers(0, MW + 1, size=(MH, steps)), axis=1))
        inputs.append("thresholds")
    node = helper.make_node("MVAU_bcnn", inputs, ["y"], domain=BCNN, backend="fpgadataflow", name="MVAU_bcnn_0", MW=MW,
                            MH=MH, SIMD=2, PE=2, inputDataType="BINARY", weightDataType="BINARY",
                            outputDataType=ACC if no_activation else activation, accDataType=ACC,
                            ActVal=0 if no_activation else int(DataType[activation].min()), binaryXnorMode=1,
                            noActivation=int(no_activation), numInputVectors=list(vectors))
    return make_model([node], {"x": [*vectors, MW]}, {"y": [*vectors, MH]}, inits,
                      {"x": "BINARY", "weights": "BINARY", "y": ACC if no_activation else activation})


@pytest.mark.parametrize("activation, vectors", [("UINT4", (1,)), ("INT4", (1, 2, 3))],
                         ids=["unsigned vector", "signed feature map"])
def test_wide_activation_moves_into_a_thresholding_layer(activation, vectors):
    model = thresholded_unit(activation, vectors)
    after, changed = apply_once(SplitWideActivations(), model)
    assert changed
    assert op_types(after) == ["MVAU_bcnn", "Thresholding_bcnn"]
    unit, activate = after.graph.node
    mvau, thresholding = getCustomOp(unit), getCustomOp(activate)
    assert len(unit.input) == 2 and mvau.get_nodeattr("noActivation") == 1
    assert mvau.get_nodeattr("outputDataType") == ACC and after.get_tensor_datatype(unit.output[0]) == DataType[ACC]
    assert list(activate.input) == [unit.output[0], "thresholds"] and list(activate.output) == ["y"]
    assert thresholding.get_nodeattr("numSteps") == 15 and thresholding.get_nodeattr("NumChannels") == MH
    assert thresholding.get_nodeattr("PE") == 2 and thresholding.get_nodeattr("outputDataType") == activation
    assert thresholding.get_nodeattr("ActVal") == DataType[activation].min()
    assert len({n.name for n in after.graph.node}) == 2
    x = random_tensor(np.random.default_rng(1), "BINARY", (*vectors, MW))
    assert_same_function(model, after, {"x": x})
    context = execute_onnx(after, {"x": x}, return_full_exec_context=True)
    assert DataType[ACC].allowed(context[unit.output[0]]).all()


@pytest.mark.parametrize("variant", ["few thresholds", "no activation", "a wider unit"])
def test_narrow_activations_stay_in_the_unit(variant):
    transformation = SplitWideActivations()
    if variant == "few thresholds":  # a 2-bit activation: 3 comparators per lane
        model = thresholded_unit("UINT2")
    elif variant == "no activation":
        model = thresholded_unit(no_activation=True)
    else:
        model, transformation = thresholded_unit("UINT4"), SplitWideActivations(max_parallel=15)
    assert_unchanged(transformation, model)
