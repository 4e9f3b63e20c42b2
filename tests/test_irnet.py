"""IR-Net building blocks: Libra-PB balance/standardization/power-of-two scale, EDE gradients."""
import math

import pytest
import torch

from models.methods.irnet import (EDESign, T_MAX, T_MIN, ede_parameters, libra_pb_binarize, libra_pb_shift,
                                  libra_pb_standardize)


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
