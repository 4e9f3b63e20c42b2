"""Building, transforming and running the small graphs the pass tests are made of."""
import copy

import numpy as np
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.util.basic import qonnx_make_model

QONNX = "qonnx.custom_op.general"
FINN = "finn.custom_op.fpgadataflow"  # FINN+'s abstract hardware layers
BCNN = "build_flows.custom_op"


def f32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def i64(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def make_model(nodes, inputs: dict, outputs: dict, initializers: dict | None = None, datatypes: dict | None = None,
               opset: int = 13, shapes: dict | None = None) -> ModelWrapper:
    """A model of `nodes` with `inputs` and `outputs` ({name: shape}), initializers ({name: array},
    kept in their dtype: float32 data, int64 shapes and axes) and tensor datatypes ({name: name of
    a qonnx DataType}); every other shape is inferred, except `shapes` ({name: shape}) an op's shape
    inference needs beforehand."""
    graph = helper.make_graph(
        nodes, "pass_test",
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape) for name, shape in inputs.items()],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape) for name, shape in outputs.items()])
    opsets = [helper.make_opsetid("", opset), helper.make_opsetid(QONNX, 1)]
    model = ModelWrapper(qonnx_make_model(graph, opset_imports=opsets))
    for name, value in (initializers or {}).items():
        model.set_initializer(name, value)
    for name, shape in (shapes or {}).items():
        model.set_tensor_shape(name, list(shape))
    model = model.transform(InferShapes())
    for name, dt in (datatypes or {}).items():
        model.set_tensor_datatype(name, DataType[dt])
    return model


def add_reader(model: ModelWrapper, tensor: str) -> None:
    """A second reader of `tensor`: a Relu making an extra graph output (a fork a pass must respect)."""
    model.graph.node.append(helper.make_node("Relu", [tensor], [f"{tensor}_also"]))
    model.graph.output.append(helper.make_tensor_value_info(f"{tensor}_also", TensorProto.FLOAT,
                                                            model.get_tensor_shape(tensor)))


def random_tensor(rng: np.random.Generator, dt: str, shape) -> np.ndarray:
    """Values of the qonnx DataType named `dt` (FLOAT32: standard normal), as float32."""
    dt = DataType[dt]
    if dt == DataType["BIPOLAR"]:
        return rng.choice([-1.0, 1.0], size=shape).astype(np.float32)
    if dt.is_integer():
        return rng.integers(int(dt.min()), int(dt.max()) + 1, size=shape).astype(np.float32)
    return rng.standard_normal(shape).astype(np.float32)


def apply_once(transformation, model: ModelWrapper) -> tuple:
    """One `apply` of the pass on a copy of `model` -> (new model, changed); `model` stays as it was."""
    return transformation.apply(copy.deepcopy(model))


def op_types(model: ModelWrapper) -> list:
    return [node.op_type for node in model.graph.node]


def run(model: ModelWrapper, inputs: dict) -> dict:
    """The graph outputs of qonnx's execution."""
    return execute_onnx(model, inputs)


def assert_same_function(before: ModelWrapper, after: ModelWrapper, inputs: dict) -> dict:
    """Both graphs give the same outputs, exactly, and every tensor of `after` has the shape its
    annotation says (a pass that rewires tensors must keep shapes true). Returns the outputs."""
    want = run(before, inputs)
    context = execute_onnx(after, inputs, return_full_exec_context=True)
    assert sorted(o.name for o in after.graph.output) == sorted(want)
    for name, value in want.items():
        np.testing.assert_array_equal(context[name], value, err_msg=f"output {name}")
    for name, value in context.items():
        if name and after.get_initializer(name) is None:  # "": an omitted optional input
            assert after.get_tensor_shape(name) == list(np.shape(value)), f"shape annotation of {name}"
    return want


def assert_unchanged(transformation, model: ModelWrapper) -> None:
    """The pass reports no change and leaves the graph as it was, byte for byte."""
    after, changed = apply_once(transformation, model)
    assert changed is False
    assert after.model.SerializeToString() == model.model.SerializeToString()
