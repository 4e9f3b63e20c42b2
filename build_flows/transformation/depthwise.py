"""Depthwise convolutions as dense matrix-vector units.

qonnx lowers a depthwise convolution to an Im2Col marked depthwise and a MatMul whose (K*K*C, C)
weight matrix holds each channel's K*K weights and zeros elsewhere (annotated "dw" sparse), for
FINN+'s vector-vector unit, which has no RTL bcnn can simulate or synthesize. Here the window
becomes an ordinary one and the MatMul an ordinary layer on the same matrix: the python
execution is unchanged (Im2Col computes the same windows either way), the hardware is bcnn's
matrix-vector unit, exact and C times the multiply-accumulates a vector-vector unit would do.
The zeros make binary weights ternary: the matrix is declared INT2, which also keeps it out of
the XNOR conversion (an XNOR popcount has no zero weight)."""
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation

from .graph_match import producer


def drop_sparsity(model, tensor: str) -> None:
    """Remove a tensor's sparsity annotation (qonnx can set one, not unset it)."""
    for annotation in model.graph.quantization_annotation:
        if annotation.tensor_name == tensor:
            entries = annotation.quant_parameter_tensor_names
            for entry in [e for e in entries if e.key == "tensor_sparsity"]:
                entries.remove(entry)


class DenseDepthwiseConvolutions(Transformation):
    def apply(self, model):
        changed = False
        for node in model.get_nodes_by_op_type("MatMul"):
            if model.get_tensor_sparsity(node.input[1]) is None:
                continue
            im2col = producer(model, node.input[0], "Im2Col")  # none for a 1x1 kernel: a plain MatMul
            if im2col is not None:
                getCustomOp(im2col).set_nodeattr("depthwise", 0)
            drop_sparsity(model, node.input[1])
            if model.get_tensor_datatype(node.input[1]) == DataType["BIPOLAR"]:
                model.set_tensor_datatype(node.input[1], DataType["INT2"])
            changed = True
        return model, changed
