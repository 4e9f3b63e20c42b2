"""bcnn's ops borrow no method of a FINN+ class they do not derive from (issue 26): where one takes
FINN+'s estimates, it asks FINN+'s own op over the same node, and gets exactly FINN+'s numbers."""
import ast
import inspect
from pathlib import Path

import pytest
from finn.custom_op.fpgadataflow.hls.matrixvectoractivation_hls import MVAU_hls
from finn.custom_op.fpgadataflow.rtl.thresholding_rtl import Thresholding_rtl
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from build_flows.custom_op import custom_op
from build_flows.custom_op.mvau import THRESHOLD_BLOCK_WORDS
from hw.memfiles import block_ram_18k

PART = "xc7z020clg400-1"


@pytest.mark.parametrize("name", sorted(custom_op))
def test_no_op_holds_a_method_of_a_class_it_does_not_derive_from(name):
    cls = custom_op[name]
    for klass in cls.__mro__:
        for attr, value in vars(klass).items():
            if inspect.isfunction(value):
                owner = value.__qualname__.split(".")[0]
                assert owner in {k.__name__ for k in cls.__mro__} or "<locals>" in value.__qualname__, \
                    f"{name}.{attr} is {value.__qualname__}, a method of a class {name} does not derive from"


def layers(model: ModelWrapper, op_type: str) -> list:
    return [getCustomOp(n) for n in model.graph.node if n.op_type == op_type]


def test_mvau_estimates_are_finn_hls_mvau_estimates_of_the_node(built):
    df = ModelWrapper(str(built("tfc_w1a1", folding="tfc_w1a1") / "dataflow.onnx"))
    for op in layers(df, "MVAU_bcnn"):
        finn = MVAU_hls(op.onnx_node)
        assert (op.lut_estimation(PART), op.dsp_estimation(PART)) == (finn.lut_estimation(PART), finn.dsp_estimation(PART))
        assert op.lut_estimation(PART) > 0


def test_thresholding_estimates_are_finn_rtl_thresholding_estimates_of_the_node(built):
    df = ModelWrapper(str(built("tfc_w1a1", folding="tfc_w1a1") / "dataflow.onnx"))
    ops = layers(df, "Thresholding_bcnn")  # the input quantizer's thresholds
    assert ops
    for op in ops:
        finn = Thresholding_rtl(op.onnx_node)
        assert [op.lut_estimation(PART), op.bram_estimation(PART), op.uram_estimation(PART)] == \
            [finn.lut_estimation(PART), finn.bram_estimation(PART), finn.uram_estimation(PART)]


def finn_classes_called_on_self(path) -> list:
    """`FinnClass.method(self, ...)` calls in a module: a FINN+ method run on a bcnn op."""
    tree = ast.parse(path.read_text())
    finn_names = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                  and (node.module or "").startswith("finn.") for alias in node.names}
    return [f"{path.name}:{call.lineno} {ast.unparse(call.func)}(self, ...)" for call in ast.walk(tree)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and getattr(call.func.value, "id", None) in finn_names
            and call.args and getattr(call.args[0], "id", None) == "self"]


def test_no_op_runs_a_finn_method_on_itself():
    folder = Path(__file__).resolve().parents[1] / "build_flows" / "custom_op"
    assert [c for path in sorted(folder.glob("*.py")) for c in finn_classes_called_on_self(path)] == []


def test_a_threshold_rom_deeper_than_1024_words_is_block_ram_and_estimated_so(built):
    """bcnn_mvau's threshold ROM: LUT ROM up to THRESHOLD_BLOCK_WORDS words, block RAM beyond (a
    deeper LUT ROM's read was ResNet-18's longest path), counted in the layer's block RAM."""
    df = ModelWrapper(str(built("tfc_w1a1", folding="tfc_w1a1") / "dataflow.onnx"))
    op = next(op for op in layers(df, "MVAU_bcnn") if op.threshold_memory()[0] > 0)
    assert op.threshold_style() == "distributed"
    weights_only = MVAU_hls(op.onnx_node).bram_estimation(PART)
    assert op.bram_estimation(PART) == weights_only
    op.set_nodeattr("PE", 1)
    op.set_nodeattr("MH", THRESHOLD_BLOCK_WORDS + 1)  # one word per neuron fold
    words, bits = op.threshold_memory()
    assert words == THRESHOLD_BLOCK_WORDS + 1 and op.threshold_style() == "block"
    assert op.bram_estimation(PART) == MVAU_hls(op.onnx_node).bram_estimation(PART) + block_ram_18k(bits, words) > 0
    op.set_nodeattr("ram_style_thresholds", "distributed")  # asked for: LUT ROM, no block RAM
    assert op.threshold_style() == "distributed" and op.bram_estimation(PART) == MVAU_hls(op.onnx_node).bram_estimation(PART)
