"""A rounding quantizer (QONNX Quant, rounding_mode ROUND: half to even, as torch rounds) keeps
its ties through the conversion to thresholds: on every half step of the grid (where SoFAr's
fractal mean lands) the converted graph equals QONNX's execution, which FINN+'s conversion alone
does not (it rounds ties up)."""
import numpy as np
import pytest
from onnx import TensorProto, helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.util.basic import qonnx_make_model

from build_flows.steps.streamline import step_qonnx_to_finn
from finn.transformation.qonnx.convert_qonnx_to_finn import ConvertQONNXtoFINN

STEP = 2.0 ** -4


def quant_model(signed: bool, bits: int = 8) -> ModelWrapper:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 512])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 512])
    node = helper.make_node("Quant", ["x", "scale", "zeropt", "bits"], ["y"], domain="qonnx.custom_op.general",
                            signed=int(signed), narrow=0, rounding_mode="ROUND")
    model = ModelWrapper(qonnx_make_model(helper.make_graph([node], "quant", [x], [y])))
    for name, value in (("scale", STEP), ("zeropt", 0.0), ("bits", float(bits))):
        model.set_initializer(name, np.asarray(value, dtype=np.float32))
    return model


def run(model, x):
    return execute_onnx(model, {model.graph.input[0].name: x})[model.graph.output[0].name]


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
def test_ties_round_to_even_after_conversion(signed):
    x = (np.arange(-256, 256, dtype=np.float32) * STEP / 2).reshape(1, -1)  # every grid value and half step
    model = quant_model(signed)
    want = run(model, x)
    assert np.any(want != np.floor(x / STEP + 0.5) * STEP)  # the ties are there: half up would differ
    np.testing.assert_array_equal(run(step_qonnx_to_finn(quant_model(signed), None), x), want)
    # FINN+'s conversion alone rounds the ties up: the check above can fail
    assert np.any(run(quant_model(signed).transform(ConvertQONNXtoFINN()), x) != want)
