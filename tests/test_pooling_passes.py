"""Each pooling pass on the smallest graph with its pattern: the rewritten structure, unchanged
numerics (QONNX execution before and after), and a graph it must leave alone."""
import numpy as np
import pytest
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.util.basic import qonnx_make_model

import finn.custom_op.fpgadataflow  # noqa: F401  (registers FINN+'s Pool for execution)
from build_flows.custom_op.datatypes import sum_datatype
from build_flows.transformation.pool_codes import BipolarSumPoolAsTernary, MaxPoolOverCodes
from build_flows.transformation.pooled_quant import ExactPooledQuant
from build_flows.transformation.pooling import (LowerAveragePool, LowerGlobalAveragePool, MoveScalarMulPastAveragePool,
                                                MoveUnitReshapePastMultiThreshold, RemoveReshapeRoundTrip,
                                                SizeSumPoolOutputs)

RNG = np.random.default_rng(0)


def graph(nodes, in_shape, out_shape, dt="INT3", initializers=None, opset=18) -> ModelWrapper:
    proto = qonnx_make_model(helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)]), opset_imports=[helper.make_opsetid("", opset)])
    model = ModelWrapper(proto)
    for name, value in (initializers or {}).items():
        model.set_initializer(name, np.asarray(value, dtype=np.int64 if name.startswith("axes") or name.startswith("shape")
                                               else np.float32))
    model.set_tensor_datatype("x", DataType[dt])
    return model.transform(InferShapes())


def run(model, x) -> np.ndarray:
    return execute_onnx(model, {"x": x})["y"]


def ints(dt, shape) -> np.ndarray:
    dt = DataType[dt]
    return RNG.integers(int(dt.min()), int(dt.max()) + 1, size=shape).astype(np.float32)


def ops(model) -> list:
    return [n.op_type for n in model.graph.node]


def average_pool(kernel, stride, pads, in_shape=(1, 2, 7, 7), dt="INT3"):
    out = (in_shape[2] + pads[0] + pads[2] - kernel) // stride + 1
    node = helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[kernel] * 2, strides=[stride] * 2, pads=pads,
                            count_include_pad=1)
    return graph([node], in_shape, [1, in_shape[1], out, out], dt)


@pytest.mark.parametrize("kernel, stride, pads", [(2, 2, [0] * 4), (3, 2, [0] * 4), (3, 2, [1] * 4)])
def test_an_average_pool_of_integers_becomes_a_sum_pool_and_one_scale(kernel, stride, pads):
    model = average_pool(kernel, stride, pads)
    x = ints("INT3", (1, 2, 7, 7))
    want = run(model, x)
    lowered = model.transform(LowerAveragePool())
    assert ops(lowered) == ["Transpose", "Im2Col", "Pool", "Transpose", "Mul"]
    pool, mul = lowered.graph.node[2], lowered.graph.node[4]
    assert getCustomOp(pool).get_nodeattr("Function") == "AccPool"
    assert lowered.get_tensor_datatype(pool.output[0]) == DataType["INT7" if kernel == 3 else "INT5"]
    assert getCustomOp(lowered.graph.node[1]).get_nodeattr("pad_amount") == pads
    assert np.isclose(lowered.get_initializer(mul.input[1]), 1 / kernel**2)
    np.testing.assert_allclose(run(lowered, x), want, rtol=1e-6)


def test_an_average_pool_of_floats_is_left_alone():
    model = average_pool(2, 2, [0] * 4, dt="FLOAT32")
    assert ops(model.transform(LowerAveragePool())) == ["AveragePool"]


def test_a_scalar_scale_moves_past_an_average_pool_and_a_per_channel_one_does_not():
    for scale, moves in (([0.25], True), (np.full((1, 2, 1, 1), 0.25), False)):
        nodes = [helper.make_node("Mul", ["x", "s"], ["m"]),
                 helper.make_node("AveragePool", ["m"], ["y"], kernel_shape=[2, 2], strides=[2, 2])]
        model = graph(nodes, (1, 2, 4, 4), [1, 2, 2, 2], initializers={"s": scale})
        x = ints("INT3", (1, 2, 4, 4))
        moved = model.transform(MoveScalarMulPastAveragePool())
        assert ops(moved) == (["AveragePool", "Mul"] if moves else ["Mul", "AveragePool"])
        np.testing.assert_allclose(run(moved, x), run(model, x))


@pytest.mark.parametrize("op, keepdims, opset", [("GlobalAveragePool", 1, 11), ("GlobalAveragePool", 1, 18),
                                                 ("ReduceMean", 1, 18), ("ReduceMean", 0, 18)])
def test_a_global_average_pool_becomes_a_pixel_sum_and_one_scale(op, keepdims, opset):
    extra = dict(keepdims=keepdims) if op == "ReduceMean" else {}
    inputs = ["x", "axes"] if op == "ReduceMean" else ["x"]
    out = [1, 3, 1, 1] if keepdims else [1, 3]
    model = graph([helper.make_node(op, inputs, ["y"], **extra)], (1, 3, 4, 4), out, "UINT4",
                  {"axes": [-1, -2]} if op == "ReduceMean" else None, opset)
    x = ints("UINT4", (1, 3, 4, 4))
    lowered = model.transform(LowerGlobalAveragePool())
    assert ops(lowered) == ["ReduceSum", "Mul"] + (["Reshape"] if keepdims else [])
    reduce = lowered.graph.node[0]
    axes = lowered.get_initializer(reduce.input[1]) if opset >= 13 else next(a.ints for a in reduce.attribute if a.name == "axes")
    assert list(axes) == [2, 3]
    assert lowered.get_tensor_datatype(lowered.graph.node[0].output[0]) == DataType["UINT8"]
    np.testing.assert_allclose(run(lowered, x), run(model, x), rtol=1e-6)


def test_a_mean_over_channels_is_left_alone():
    model = graph([helper.make_node("ReduceMean", ["x", "axes"], ["y"], keepdims=0)], (1, 3, 4, 4), [1, 4, 4], "UINT4",
                  {"axes": [1]})
    assert ops(model.transform(LowerGlobalAveragePool())) == ["ReduceMean"]


@pytest.mark.parametrize("second, shape, removed", [("Flatten", [1, 3], True), ("Reshape", [1, 3], True),
                                                    ("Reshape", [1, 1, 3], False)])
def test_a_reshape_and_its_inverse_cancel(second, shape, removed):
    nodes = [helper.make_node("Mul", ["x", "two"], ["m"]), helper.make_node("Reshape", ["m", "shape4"], ["r"]),
             helper.make_node(second, ["r"] + (["shape_out"] if second == "Reshape" else []), ["f"]),
             helper.make_node("Mul", ["f", "two"], ["y"])]
    model = graph(nodes, (1, 3), [*shape], "INT4", {"two": [2.0], "shape4": [1, 3, 1, 1], "shape_out": shape})
    x = ints("INT4", (1, 3))
    after = model.transform(RemoveReshapeRoundTrip())
    assert ops(after) == (["Mul", "Mul"] if removed else ops(model))
    np.testing.assert_array_equal(run(after, x), run(model, x))


def quantized_kept_mean(reshape_to, second_reader=False):
    """x (N, C sums) -> Reshape to reshape_to -> MultiThreshold (per channel) -> Flatten -> y: a kept
    (N, C, 1, 1) mean quantized before the classifier's flatten (a hand-written Bi-Real head)."""
    mt = helper.make_node("MultiThreshold", ["r", "t"], ["q"], domain="qonnx.custom_op.general", out_dtype="UINT2",
                          data_layout="NCHW")
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["r"]), mt, helper.make_node("Flatten", ["q"], ["f"]),
             helper.make_node("Mul", ["f", "two"], ["y"])]
    thresholds = np.sort(RNG.integers(-6, 7, size=(3, 3)), axis=1).astype(np.float32)  # its own per channel
    model = graph(nodes, (1, 3), [reshape_to[0], int(np.prod(reshape_to)) // reshape_to[0]], "INT5",
                  {"shape": reshape_to, "t": thresholds, "two": [2.0]})
    if second_reader:
        model.graph.node.append(helper.make_node("Relu", ["r"], ["also"]))
        model.graph.output.append(helper.make_tensor_value_info("also", TensorProto.FLOAT, reshape_to))
    return model


def test_a_quantizer_between_a_kept_mean_and_the_flatten_moves_in_front_and_the_round_trip_cancels():
    model = quantized_kept_mean([1, 3, 1, 1])
    x = ints("INT5", (1, 3))
    moved = model.transform(MoveUnitReshapePastMultiThreshold())
    assert ops(moved) == ["MultiThreshold", "Reshape", "Flatten", "Mul"]
    assert moved.graph.node[0].input[0] == "x" and moved.get_tensor_shape(moved.graph.node[0].output[0]) == [1, 3]
    assert moved.get_tensor_datatype(moved.graph.node[0].output[0]) == DataType["UINT2"]
    np.testing.assert_array_equal(run(moved, x), run(model, x))
    cancelled = moved.transform(RemoveReshapeRoundTrip())
    assert ops(cancelled) == ["MultiThreshold", "Mul"]
    for x in [ints("INT5", (1, 3)) for _ in range(20)]:
        np.testing.assert_array_equal(run(cancelled, x), run(model, x))


@pytest.mark.parametrize("reshape_to, second_reader", [([3, 1, 1, 1], False), ([1, 3, 1, 1], True)])
def test_a_reshape_that_moves_channels_or_has_another_reader_stays_before_the_quantizer(reshape_to, second_reader):
    model = quantized_kept_mean(reshape_to, second_reader)
    after = model.transform(MoveUnitReshapePastMultiThreshold())
    assert after.get_nodes_by_op_type("MultiThreshold")[0].input[0] == "r" and sorted(ops(after)) == sorted(ops(model))


def bipolar_threshold(out_shape, pool_node, second_reader=False):
    """x -> MultiThreshold (per channel, +-1: out_scale 2, out_bias -1) -> pool_node -> y."""
    mt = helper.make_node("MultiThreshold", ["x", "t"], ["b"], domain="qonnx.custom_op.general", out_dtype="BIPOLAR",
                          out_scale=2.0, out_bias=-1.0)
    nodes = [mt, pool_node] + ([helper.make_node("Identity", ["b"], ["other"])] if second_reader else [])
    model = graph(nodes, (1, 3, 5, 5), out_shape, "FLOAT32", {"t": [[0.1], [-0.2], [0.3]]})
    model.set_tensor_datatype("b", DataType["BIPOLAR"])
    return model


def test_a_bipolar_activation_an_average_pool_reads_becomes_ternary_of_the_same_values():
    pool = helper.make_node("AveragePool", ["b"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4,
                            count_include_pad=1)
    model = bipolar_threshold([1, 3, 3, 3], pool)
    x = RNG.normal(size=(1, 3, 5, 5)).astype(np.float32)
    after = model.transform(BipolarSumPoolAsTernary())
    mt = getCustomOp(after.graph.node[0])
    assert (mt.get_nodeattr("out_dtype"), mt.get_nodeattr("out_scale"), mt.get_nodeattr("out_bias")) == ("TERNARY", 1.0, -1.0)
    assert after.get_initializer("t").shape == (3, 2) and after.get_tensor_datatype("b") == DataType["TERNARY"]
    np.testing.assert_array_equal(run(after, x), run(model, x))


def test_a_bipolar_activation_read_elsewhere_too_stays_bipolar():
    pool = helper.make_node("GlobalAveragePool", ["b"], ["y"])
    model = bipolar_threshold([1, 3, 1, 1], pool, second_reader=True)
    after = model.transform(BipolarSumPoolAsTernary())
    assert after.get_tensor_datatype("b") == DataType["BIPOLAR"]


def signed_max_pool(pads, reader="MultiThreshold"):
    """x -> MultiThreshold (INT3: 7 thresholds, bias -4) -> MaxPool 3x3/2 -> reader -> y."""
    out = 3 if any(pads) else 2
    nodes = [helper.make_node("MultiThreshold", ["x", "t"], ["c"], domain="qonnx.custom_op.general", out_dtype="INT3",
                              out_bias=-4.0),
             helper.make_node("MaxPool", ["c"], ["p"], kernel_shape=[3, 3], strides=[2, 2], pads=pads)]
    second = {"MultiThreshold": [[-2.0, 0.0, 1.0]], "Mul": [2.0], "MatMul": RNG.integers(-1, 2, size=(2 * out * out, 3))}
    out_shape = [1, 3] if reader == "MatMul" else [1, 2, out, out]
    if reader == "MultiThreshold":
        nodes.append(helper.make_node("MultiThreshold", ["p", "t2"], ["y"], domain="qonnx.custom_op.general",
                                      out_dtype="UINT2"))
    elif reader == "MatMul":  # a fully connected classifier behind a flatten
        nodes += [helper.make_node("Flatten", ["p"], ["f"]), helper.make_node("MatMul", ["f", "t2"], ["y"])]
    else:
        nodes.append(helper.make_node("Mul", ["p", "t2"], ["y"]))
    model = graph(nodes, (1, 2, 5, 5), out_shape, "FLOAT32",
                  {"t": np.tile(np.linspace(-1.5, 1.5, 7), (2, 1)), "t2": second[reader]})
    model.set_tensor_datatype("c", DataType["INT3"])
    return model


@pytest.mark.parametrize("reader", ["MultiThreshold", "MatMul"])
def test_a_padded_max_pool_of_a_signed_activation_pools_its_codes(reader):
    model = signed_max_pool([1] * 4, reader)
    x = RNG.normal(size=(1, 2, 5, 5)).astype(np.float32) * 2
    after = model.transform(MaxPoolOverCodes())
    assert ops(after)[:3] == ["MultiThreshold", "MaxPool", "Add"] and ops(after)[-1] == reader
    assert after.get_tensor_datatype("c") == DataType["UINT3"] and getCustomOp(after.graph.node[0]).get_nodeattr("out_bias") == 0
    assert float(after.get_initializer(after.graph.node[2].input[1])) == -4.0
    np.testing.assert_array_equal(run(after, x), run(model, x))


@pytest.mark.parametrize("pads, reader", [([0] * 4, "MultiThreshold"), ([1] * 4, "Mul")])
def test_an_unpadded_max_pool_or_one_no_quantizer_reads_is_left_alone(pads, reader):
    model = signed_max_pool(pads, reader)
    assert ops(model.transform(MaxPoolOverCodes())) == ops(model)


def pooled_quant_graph(scale_before=0.25, zero_after=0.0):
    """x -> Quant(INT3, scale) -> AveragePool 3x3/2 -> Relu -> Quant(UINT2, scale 1/3, half to even) -> y"""
    quant = dict(domain="qonnx.custom_op.general", rounding_mode="ROUND", narrow=0)
    nodes = [helper.make_node("Quant", ["x", "s1", "z0", "b3"], ["q"], signed=1, **quant),
             helper.make_node("AveragePool", ["q"], ["a"], kernel_shape=[3, 3], strides=[2, 2]),
             helper.make_node("Relu", ["a"], ["r"]),
             helper.make_node("Quant", ["r", "s2", "z2", "b2"], ["y"], signed=0, **quant)]
    return graph(nodes, (1, 2, 5, 5), [1, 2, 2, 2], "FLOAT32",
                 {"s1": scale_before, "z0": 0.0, "b3": 3.0, "s2": np.float32(1 / 3), "z2": zero_after, "b2": 2.0})


def test_the_quantizer_after_an_average_pool_gets_thresholds_exact_at_ties():
    """Window sums of 6 (levels 0.25 each) average to 6 * 0.25 / 9 = 1/6, exactly half of 1/3: torch
    and QONNX round that to 0 (even); the window-sum thresholds must too."""
    model = pooled_quant_graph()
    after = model.transform(ExactPooledQuant())
    assert ops(after) == ["Quant", "AveragePool", "MultiThreshold", "Mul"]
    thresholds = after.get_initializer(after.graph.node[2].input[1]) * 9 / 0.25  # in window sums
    # sum 6 ties at 1/2 and rounds to 0, sum 18 at 3/2 rounds to 2; level 3 needs 30, above the largest sum (27)
    np.testing.assert_allclose(thresholds, [[6.5, 17.5, 28.0]], rtol=1e-6)
    tie = np.zeros((1, 2, 5, 5), dtype=np.float32)
    tie[0, :, :2, :3] = 0.25  # the first window holds six levels of 1: a sum of 6
    x = np.concatenate([tie, ints("INT3", (1, 2, 5, 5)) * np.float32(0.25)], axis=0)
    for sample in x:
        np.testing.assert_array_equal(run(after, sample[None]), run(model, sample[None]))
    assert run(after, tie)[0, 0, 0, 0] == 0.0


@pytest.mark.parametrize("options", [dict(scale_before=np.full((1, 2, 1, 1), 0.25)), dict(zero_after=1.0)])
def test_a_per_channel_scale_or_a_zero_point_keeps_finns_conversion(options):
    model = pooled_quant_graph(**options)
    assert ops(model.transform(ExactPooledQuant())) == ops(model)


@pytest.mark.parametrize("idt, finns, needed", [("TERNARY", "UINT4", "INT5"), ("INT3", "INT7", "INT7")])
def test_a_sum_pool_of_symmetric_values_gets_a_signed_sum(idt, finns, needed):
    """FINN+'s MinimizeAccumulatorWidth sizes nine TERNARY values' sum as UINT4 (from 9 = |-9|)."""
    pool = helper.make_node("Pool", ["x"], ["y"], domain="finn.custom_op.fpgadataflow", backend="fpgadataflow",
                            InputDataType=idt, OutputDataType=finns, Channels=2, PE=2, KernelSize=[3, 3],
                            Function="AccPool", OutImgDims=[1, 1])
    model = graph([pool], (1, 1, 1, 18), [1, 1, 1, 2], idt)
    model.set_tensor_datatype("y", DataType[finns])
    x = RNG.integers(-1, 2, size=(1, 1, 1, 18)).astype(np.float32)
    after = model.transform(SizeSumPoolOutputs())
    assert getCustomOp(after.graph.node[0]).get_nodeattr("OutputDataType") == needed
    assert after.get_tensor_datatype("y") == DataType[needed]
    np.testing.assert_array_equal(run(after, x), x.reshape(1, 1, 1, 9, 2).sum(axis=3))


def test_a_sum_of_symmetric_values_is_signed():
    assert sum_datatype(DataType["BIPOLAR"], 9) == DataType["INT5"]
    assert sum_datatype(DataType["INT2"], 9) == DataType["INT6"]
    assert sum_datatype(DataType["UINT4"], 49) == DataType["UINT10"]


def test_a_padded_signed_max_pool_left_alone_is_refused_by_name_where_it_is_mapped():
    from types import SimpleNamespace

    from build_flows.steps.hardware import step_convert_to_hw
    from models.errors import BcnnError

    model = signed_max_pool([1] * 4, "Mul").transform(MaxPoolOverCodes())
    model.graph.node[1].name = "pool_1"
    with pytest.raises(BcnnError, match=r"m.onnx: max pool 'pool_1' pads .* signed INT3 input"):
        step_convert_to_hw(model, SimpleNamespace(model="m.onnx"))


def test_a_reshape_left_between_hardware_layers_is_refused_by_name():
    """One left inside the accelerator would split it (FINN+'s partitioning asserts deep inside)."""
    from types import SimpleNamespace

    from build_flows.steps.hardware import refuse_host_ops_between_layers
    from models.errors import BcnnError

    hw = "finn.custom_op.fpgadataflow"
    nodes = [helper.make_node("Thresholding", ["x", "t"], ["a"], domain=hw, name="Thresholding_0"),
             helper.make_node("Reshape", ["a", "shape"], ["r"], name="Reshape_0"),
             helper.make_node("Thresholding", ["r", "t"], ["y"], domain=hw, name="Thresholding_1")]
    model = ModelWrapper(qonnx_make_model(helper.make_graph(  # no shape inference: the layers lack their attributes
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])])))
    with pytest.raises(BcnnError, match=r"m.onnx: node 'Reshape_0' \(Reshape\) sits between hardware layers "
                                        r"'Thresholding_0' and 'Thresholding_1'"):
        refuse_host_ops_between_layers(model, SimpleNamespace(model="m.onnx"))
    model.graph.node.remove(model.graph.node[0])  # before the first hardware layer: the host does it
    model.graph.node[0].input[0] = "x"
    refuse_host_ops_between_layers(model, SimpleNamespace(model="m.onnx"))
