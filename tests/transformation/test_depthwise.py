"""DenseDepthwiseConvolutions: a lowered depthwise convolution (Im2Col marked depthwise, a "dw"
sparse MatMul) becomes an ordinary window and MatMul on the same matrix: same function, no
sparsity left, binary weights declared ternary."""
import numpy as np
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from build_flows.transformation.depthwise import DenseDepthwiseConvolutions

from .graphs import QONNX, apply_once, assert_same_function, assert_unchanged, f32, make_model, random_tensor

C, H, K = 3, 5, 3


def depthwise(weight_dt="BIPOLAR", depthwise_flag=1, sparse=True):
    rng = np.random.default_rng(1)
    dense = random_tensor(rng, weight_dt, (K * K, C))
    weights = np.zeros((K * K * C, C), np.float32)
    for c in range(C):  # each channel's K*K taps, zeros elsewhere: qonnx's lowering
        weights[c::C, c] = dense[:, c]
    nodes = [helper.make_node("Im2Col", ["x"], ["w"], domain=QONNX, stride=[1, 1], kernel_size=[K, K],
                              pad_amount=[1, 1, 1, 1], input_shape=f"(1, {H}, {H}, {C})", depthwise=depthwise_flag),
             helper.make_node("MatMul", ["w", "W"], ["y"])]
    model = make_model(nodes, {"x": [1, H, H, C]}, {"y": [1, H, H, C]}, {"W": f32(weights)},
                       {"x": "INT4", "W": weight_dt}, shapes={"w": [1, H, H, K * K * C]})
    if sparse:
        model.set_tensor_sparsity("W", {"dw": {"kernel_shape": [K, K]}})
    return model


def test_a_depthwise_convolution_becomes_a_dense_one_with_the_same_function():
    model = depthwise()
    after, changed = apply_once(DenseDepthwiseConvolutions(), model)
    assert changed
    assert getCustomOp(after.graph.node[0]).get_nodeattr("depthwise") == 0
    assert after.get_tensor_sparsity("W") is None
    assert after.get_tensor_datatype("W") == DataType["INT2"]  # zeros: no longer +-1
    x = random_tensor(np.random.default_rng(0), "INT4", (1, H, H, C))
    assert_same_function(model, after, {"x": x})


def test_few_bit_weights_keep_their_type():
    after, _ = apply_once(DenseDepthwiseConvolutions(), depthwise("INT3"))
    assert after.get_tensor_datatype("W") == DataType["INT3"]


def test_an_unannotated_matrix_is_left_alone():
    assert_unchanged(DenseDepthwiseConvolutions(), depthwise(depthwise_flag=0, sparse=False))
    assert_unchanged(DenseDepthwiseConvolutions(), depthwise(sparse=False))


def test_a_pointwise_depthwise_convolution_has_no_window_and_becomes_dense_too():
    """A 1x1 depthwise convolution lowers to the sparse MatMul alone (no Im2Col)."""
    weights = np.diag(np.arange(1, C + 1)).astype(np.float32)  # each channel its own weight
    model = make_model([helper.make_node("MatMul", ["x", "W"], ["y"])], {"x": [1, H, H, C]}, {"y": [1, H, H, C]},
                       {"W": weights}, {"x": "INT4", "W": "INT3"})
    model.set_tensor_sparsity("W", {"dw": {"kernel_shape": [1, 1]}})
    after, changed = apply_once(DenseDepthwiseConvolutions(), model)
    assert changed and after.get_tensor_sparsity("W") is None
