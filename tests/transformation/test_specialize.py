"""rtl/specialize: FINN+'s HLS/RTL layers become bcnn's RTL ops with the same attributes and
python execution (SpecializeBcnnRTL), named by what they are."""
import numpy as np
import pytest
from onnx import helper
from qonnx.custom_op.registry import getCustomOp

from build_flows.rtl.specialize import SpecializeBcnnRTL

from .graphs import (BCNN, FINN, apply_once, assert_same_function, assert_unchanged, f32, make_model, op_types,
                     random_tensor)

MW, MH = 16, 4


def hw_layers(join="add"):
    """FINN+'s abstract layers of a small residual head: x -> MVAU (XNOR, 2-bit activation) ->
    DuplicateStreams -> ElementwiseAdd or StreamingConcat -> Thresholding ->
    StreamingDataWidthConverter -> LabelSelect -> y."""
    rng = np.random.default_rng(0)
    joined = MH if join == "add" else 2 * MH
    joined_dt = "UINT3" if join == "add" else "UINT2"
    common = dict(domain=FINN, backend="fpgadataflow")
    nodes = [
        helper.make_node("MVAU", ["x", "weights", "mvau_thresholds"], ["act"], **common, MW=MW, MH=MH, SIMD=4, PE=2,
                         inputDataType="BINARY", weightDataType="BINARY", outputDataType="UINT2", accDataType="UINT5",
                         binaryXnorMode=1, noActivation=0, ActVal=0, numInputVectors=[1]),
        helper.make_node("DuplicateStreams", ["act"], ["branch", "shortcut"], **common, NumChannels=MH, PE=2,
                         NumOutputStreams=2, inputDataType="UINT2", numInputVectors=[1]),
        helper.make_node("ElementwiseAdd", ["branch", "shortcut"], ["joined"], **common, lhs_dtype="UINT2",
                         rhs_dtype="UINT2", out_dtype="UINT3", lhs_shape=[1, MH], rhs_shape=[1, MH], out_shape=[1, MH],
                         PE=2)
        if join == "add" else
        helper.make_node("StreamingConcat", ["branch", "shortcut"], ["joined"], **common, SIMD=2,
                         ChannelsPerStream=[MH, MH], inputDataTypes=["UINT2", "UINT2"], numInputVectors=[1]),
        helper.make_node("Thresholding", ["joined", "thresholds"], ["requantized"], **common, NumChannels=joined, PE=1,
                         numSteps=2, inputDataType=joined_dt, weightDataType=joined_dt, outputDataType="UINT2",
                         numInputVectors=[1]),
        helper.make_node("StreamingDataWidthConverter", ["requantized"], ["wide"], **common, inShape=[1, joined],
                         outShape=[1, joined], inWidth=2, outWidth=4, dataType="UINT2"),
        helper.make_node("LabelSelect", ["wide"], ["y"], **common, Labels=joined, PE=1, K=1, inputDataType="UINT2",
                         outputDataType="UINT8", numInputVectors=[1]),
    ]
    inits = {"weights": random_tensor(rng, "BINARY", (MW, MH)),
             "mvau_thresholds": f32(np.sort(rng.integers(0, MW + 1, size=(MH, 3)), axis=1)),
             "thresholds": f32(np.sort(rng.integers(0, 7, size=(joined, 2)), axis=1))}
    return make_model(nodes, {"x": [1, MW]}, {"y": [1, 1]}, inits, {"x": "BINARY", "weights": "BINARY"},
                      shapes={"branch": [1, MH], "shortcut": [1, MH]})  # ElementwiseAdd's shape inference reads them


def specialized(model, backends: dict):
    """What FINN+'s SpecializeLayers makes of `model`: each layer its HLS or RTL variant."""
    for node in model.graph.node:
        style = backends[node.op_type]
        node.op_type, node.domain = f"{node.op_type}_{style}", f"{FINN}.{style}"
    return model


@pytest.mark.parametrize("join, backends", [
    ("add", dict(ElementwiseAdd="hls", Thresholding="rtl", StreamingDataWidthConverter="rtl")),
    ("add", dict(ElementwiseAdd="rtl", Thresholding="hls", StreamingDataWidthConverter="hls")),
    ("concat", dict(StreamingConcat="hls", Thresholding="rtl", StreamingDataWidthConverter="rtl")),
], ids=["add, rtl thresholds", "add, hls thresholds", "concat"])
def test_finn_layers_become_bcnn_rtl_layers(join, backends):
    abstract = hw_layers(join)
    model = specialized(hw_layers(join), {"MVAU": "hls", "DuplicateStreams": "hls", "LabelSelect": "hls", **backends})
    after, changed = apply_once(SpecializeBcnnRTL(), model)
    assert changed
    assert op_types(after) == [f"{n.op_type}_bcnn" for n in abstract.graph.node]
    for old, new in zip(model.graph.node, after.graph.node):
        assert new.domain == BCNN and new.name == f"{new.op_type}_0"  # one of each type: index 0
        assert list(new.input) == list(old.input) and list(new.output) == list(old.output)
        old_attrs = {a.name: helper.get_attribute_value(a) for a in old.attribute}
        new_attrs = {a.name: helper.get_attribute_value(a) for a in new.attribute}
        assert new_attrs == {k: v for k, v in old_attrs.items() if k in getCustomOp(new).get_nodeattr_types()}
    assert_same_function(abstract, after, {"x": random_tensor(np.random.default_rng(1), "BINARY", (1, MW))})


def test_layers_without_a_bcnn_implementation_stay():
    """FINN+'s abstract layers (not yet specialized) and its RTL padding (kept as FINN+'s)."""
    model = hw_layers()
    model.graph.node[0].op_type, model.graph.node[0].domain = "FMPadding_rtl", f"{FINN}.rtl"
    assert_unchanged(SpecializeBcnnRTL(), model)


def test_finns_rtl_mvau_becomes_bcnns_unit():
    """FINN+ picks its own MVAU_rtl for wide DSP layers; it needs Verilator's --timing, so the RTL
    backend implements it with bcnn_mvau like every other MVAU."""
    model = hw_layers()
    model.graph.node[0].op_type, model.graph.node[0].domain = "MVAU_rtl", f"{FINN}.rtl"
    after, changed = apply_once(SpecializeBcnnRTL(), model)
    assert changed and after.graph.node[0].op_type == "MVAU_bcnn" and after.graph.node[0].domain == BCNN
