"""IR-Net building blocks: Libra-PB balance/standardization/power-of-two scale, EDE gradients."""
import math

import pytest
import torch

from models.blocks.irnet import (
    T_MAX,
    T_MIN,
    EDESign,
    ede_parameters,
    libra_pb_binarize,
    libra_pb_shift,
    libra_pb_standardize,
)


def test_libra_pb_weights_are_standardized_per_output_channel():
    w = torch.randn(16, 3, 3, 3) * torch.linspace(0.1, 5, 16).reshape(-1, 1, 1, 1) + 2.0
    w_std = libra_pb_standardize(w).reshape(16, -1)
    torch.testing.assert_close(w_std.mean(1), torch.zeros(16), atol=1e-5, rtol=0)
    torch.testing.assert_close(w_std.std(1), torch.ones(16), atol=1e-4, rtol=0)


def test_libra_pb_binary_weights_are_balanced_and_power_of_two_scaled():
    torch.manual_seed(0)
    w = torch.randn(32, 256) + 3.0  # a biased layer: plain sign(w) would be almost all +1
    assert (torch.sign(w) > 0).float().mean() > 0.95
    q = libra_pb_binarize(w)
    per_channel_plus = (q > 0).float().mean(1)
    assert per_channel_plus.min() > 0.35 and per_channel_plus.max() < 0.65  # balanced
    magnitudes = q.abs()
    assert torch.all(magnitudes == magnitudes[:, :1])  # one scale per output channel
    exponents = torch.log2(magnitudes[:, 0])
    assert torch.equal(exponents, torch.round(exponents))  # a shift in hardware
    torch.testing.assert_close(exponents, libra_pb_shift(libra_pb_standardize(w)))


def test_ede_schedule_anneals_t_and_sets_k():
    assert ede_parameters(0.0) == pytest.approx((T_MIN, 1 / T_MIN))
    assert ede_parameters(1.0) == pytest.approx((T_MAX, 1.0))
    t_mid, k_mid = ede_parameters(0.5)
    assert t_mid == pytest.approx(math.sqrt(T_MIN * T_MAX)) and k_mid == pytest.approx(1.0)


@pytest.mark.parametrize("progress", [0.0, 0.25, 0.5, 0.75, 1.0])
def test_ede_gradient_matches_its_formula(progress):
    t, k = ede_parameters(progress)
    x = torch.linspace(-2, 2, 41, requires_grad=True)
    y = EDESign.apply(x, t, k)
    assert set(y.detach().unique().tolist()) == {-1.0, 1.0}
    upstream = torch.randn(41)
    y.backward(upstream)
    expected = upstream * k * t * (1 - torch.tanh(t * x.detach()) ** 2)
    torch.testing.assert_close(x.grad, expected)
    # the same derivative as autograd of k * tanh(t x)
    x2 = x.detach().clone().requires_grad_(True)
    (k * torch.tanh(t * x2)).backward(upstream)
    torch.testing.assert_close(x.grad, x2.grad)


def test_libra_pb_brevitas_layer_exports_balanced_power_of_two_weights(tmp_path):
    """The Brevitas layer computes with sign(w_std) * 2^s, and the QONNX file holds exactly that."""
    import numpy as np
    from brevitas.nn import QuantLinear
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx

    from models.blocks.irnet import LibraPBWeightQuant, apply_libra_pb

    torch.manual_seed(0)
    layer = apply_libra_pb(QuantLinear(64, 16, bias=False, weight_quant=LibraPBWeightQuant, weight_bit_width=1))
    with torch.no_grad():
        layer.parametrizations.weight.original.add_(3.0)  # a biased latent weight
    q = layer.quant_weight()
    plus = (q.value > 0).float().mean(1)
    assert plus.min() >= 0.4 and plus.max() <= 0.6
    torch.testing.assert_close(q.value, libra_pb_binarize(layer.parametrizations.weight.original.detach()))
    from brevitas.export import export_qonnx

    export_qonnx(layer.eval(), input_t=torch.ones(1, 64), export_path=str(tmp_path / "l.onnx"))
    model = ModelWrapper(str(tmp_path / "l.onnx"))
    eye = np.eye(64, dtype=np.float32)
    cols = np.concatenate([execute_onnx(model, {model.graph.input[0].name: eye[i:i + 1]})[model.graph.output[0].name]
                           for i in range(64)])
    np.testing.assert_array_equal(cols.T, q.value.detach().numpy())


def test_ede_reaches_activation_gradients_through_brevitas():
    from brevitas.nn import QuantIdentity

    from models.blocks.irnet import EDEActQuant, set_ede_progress

    quant = QuantIdentity(act_quant=EDEActQuant, bit_width=1)
    for progress in (0.0, 0.5, 1.0):
        set_ede_progress(quant, progress)
        t, k = ede_parameters(progress)
        x = torch.linspace(-1.5, 1.5, 31, requires_grad=True)
        quant(x).sum().backward()
        torch.testing.assert_close(x.grad, k * t * (1 - torch.tanh(t * x.detach()) ** 2))
