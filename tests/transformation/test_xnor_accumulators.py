"""xnor_accumulators: an XNOR-popcount MVAU's accumulator (and a raw output) gets a datatype that
holds 0..MW (WidenXnorAccumulators); FINN+ sizes it for the bipolar dot product, -MW/2..MW/2."""
import numpy as np
import pytest
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp

from build_flows.custom_op.border import Border
from build_flows.transformation.xnor_accumulators import WidenXnorAccumulators

from .graphs import BCNN, FINN, apply_once, assert_same_function, assert_unchanged, f32, make_model, random_tensor

MW, MH = 16, 4
NARROW = "INT5"  # what FINN+ declares for MW = 16: max 15, one short of a full match


def xnor_mvau(activation="raw", xnor=True, acc=NARROW, op_type="MVAU", domain=FINN, **extra):
    """x (1, MW) -> MVAU (binary weights; XNOR-popcount unless `xnor` is False) -> y, whose output
    is "raw" (the graph output), "raw, read" (read by a Thresholding layer) or "thresholds"."""
    rng = np.random.default_rng(0)
    in_dt = "BINARY" if xnor else "INT2"
    weights = random_tensor(rng, "BINARY" if xnor else "INT2", (MW, MH))
    inits = {"weights": weights}
    inputs, out_dt = ["x", "weights"], acc
    if activation == "thresholds":
        inputs.append("thresholds")
        inits["thresholds"] = f32(np.full((MH, 1), MW // 2))
        out_dt = "BINARY"
    attrs = dict(MW=MW, MH=MH, SIMD=1, PE=1, inputDataType=in_dt, weightDataType=in_dt, outputDataType=out_dt,
                 accDataType=acc, binaryXnorMode=int(xnor), noActivation=int(activation != "thresholds"),
                 backend="fpgadataflow", **extra)
    mvau_out = "acc" if activation == "raw, read" else "y"
    nodes = [helper.make_node(op_type, inputs, [mvau_out], domain=domain, name="mvau", **attrs)]
    if activation == "raw, read":
        inits["acc_thresholds"] = f32(np.full((MH, 1), MW // 2))
        nodes.append(helper.make_node("Thresholding", ["acc", "acc_thresholds"], ["y"], domain=FINN, NumChannels=MH,
                                      PE=1, numSteps=1, inputDataType=acc, weightDataType=acc,
                                      outputDataType="BINARY", backend="fpgadataflow"))
    return make_model(nodes, {"x": [1, MW]}, {"y": [1, MH]}, inits,
                      {"x": in_dt, "weights": in_dt, mvau_out: out_dt, **({"y": "BINARY"} if mvau_out != "y" else {})})


def full_match(model) -> np.ndarray:
    """An input equal to channel 0's weights: its popcount is MW, the top of the range."""
    return model.get_initializer("weights")[:, 0].reshape(1, MW)


def test_raw_graph_output_widens_to_bytes():
    model = xnor_mvau("raw")
    x = full_match(model)
    # the declared INT5 cannot hold the full match: what the hardware would wrap
    assert not DataType[NARROW].allowed(execute_onnx(model, {"x": x})["y"]).all()
    after, changed = apply_once(WidenXnorAccumulators(), model)
    assert changed
    inst = getCustomOp(after.graph.node[0])
    # 0..16 needs 6 signed bits; a graph output is padded to whole bytes
    assert inst.get_nodeattr("accDataType") == inst.get_nodeattr("outputDataType") == "INT8"
    assert after.get_tensor_datatype("y") == DataType["INT8"]
    outputs = assert_same_function(model, after, {"x": x})
    assert DataType["INT8"].allowed(outputs["y"]).all() and outputs["y"][0, 0] == MW


def test_raw_output_read_by_a_layer_widens_it_and_its_reader():
    model = xnor_mvau("raw, read")
    after, changed = apply_once(WidenXnorAccumulators(), model)
    assert changed
    mvau, reader = (getCustomOp(n) for n in after.graph.node)
    assert mvau.get_nodeattr("accDataType") == mvau.get_nodeattr("outputDataType") == "INT6"
    assert after.get_tensor_datatype("acc") == DataType["INT6"]
    assert reader.get_nodeattr("inputDataType") == "INT6"
    context = execute_onnx(after, {"x": full_match(model)}, return_full_exec_context=True)
    assert DataType["INT6"].allowed(context["acc"]).all() and context["acc"][0, 0] == MW
    assert_same_function(model, after, {"x": random_tensor(np.random.default_rng(1), "BINARY", (1, MW))})


def test_thresholded_unit_widens_only_its_accumulator():
    model = xnor_mvau("thresholds")
    after, changed = apply_once(WidenXnorAccumulators(), model)
    assert changed
    inst = getCustomOp(after.graph.node[0])
    assert inst.get_nodeattr("accDataType") == "INT6"
    assert inst.get_nodeattr("outputDataType") == "BINARY" and after.get_tensor_datatype("y") == DataType["BINARY"]
    assert_same_function(model, after, {"x": random_tensor(np.random.default_rng(2), "BINARY", (1, MW))})


@pytest.mark.parametrize("variant", ["not xnor", "wide enough", "zero-padded window"])
def test_other_accumulators_stay(variant):
    if variant == "not xnor":  # a signed product's range is FINN+'s to size
        model = xnor_mvau(xnor=False)
    elif variant == "wide enough":
        model = xnor_mvau(acc="UINT5")
    else:  # accumulates the dot product itself, in [-MW, MW]: zero_padding.py sizes it
        border = Border.of((4, 4), (3, 3), (1, 1), (1, 1), (1, 1, 1, 1), 1).attribute()
        model = xnor_mvau(op_type="MVAU_bcnn", domain=BCNN, numInputVectors=[1], zeroPadBorder=border)
    assert_unchanged(WidenXnorAccumulators(), model)
