"""FracBNN: thermometer encoding, fractional activations, the gate and its regularizer."""
import torch
from torch import nn

from models.blocks.fracbnn import FractionalActivation, GatedLsb, Thermometer, gate_rate
from models.blocks.parts import Parts
from models.data import load_dataset
from models.methods.fracbnn import FracBNN
from models.registry import build_model


def test_thermometer_is_monotone_and_exact_on_8_bit_pixels():
    levels = 8
    enc = Thermometer(levels)
    pixels = torch.arange(256, dtype=torch.float32)
    code = enc((pixels / 255).reshape(256, 1, 1, 1)).reshape(256, levels)
    assert set(code.unique().tolist()) == {-1.0, 1.0}
    ones = (code > 0).sum(1)
    assert torch.all(ones[1:] >= ones[:-1]) and ones[0] == 0 and ones[255] == levels  # monotone, full range
    # a thermometer code: the +1s are a prefix, and their count is the number of thresholds below p
    assert torch.equal(code, torch.where(torch.arange(levels) < ones[:, None], 1.0, -1.0))
    cuts = enc.thresholds.flatten() * 255
    assert torch.equal(ones, (pixels[:, None] > cuts).sum(1))
    assert torch.all(cuts - torch.floor(cuts) == 0.5)  # halfway between codes: no float ties
    counts = torch.bincount(ones, minlength=levels + 1)
    assert counts.max() - counts.min() <= 2  # evenly spaced buckets


def test_thermometer_keeps_channels_apart():
    enc = Thermometer(4)
    x = torch.zeros(1, 3, 2, 2)
    x[:, 1] = 1.0
    out = enc(x)
    assert out.shape == (1, 12, 2, 2)
    assert torch.all(out[:, 4:8] == 1) and torch.all(out[:, :4] == -1) and torch.all(out[:, 8:] == -1)


def test_fractional_activation_is_a_2_bit_uniform_quantizer():
    frac = FractionalActivation(Parts())
    x = torch.linspace(-2.5, 2.5, 101)
    msb, lsb = frac(x)
    assert set(msb.unique().tolist()) == set(lsb.unique().tolist()) == {-1.0, 1.0}
    value = msb + lsb / 2
    expected = torch.where(x >= 1, 1.5, torch.where(x >= 0, 0.5, torch.where(x >= -1, -0.5, -1.5)))
    torch.testing.assert_close(value, expected)


def test_gate_adds_the_lsb_pass_only_near_the_threshold():
    bn = nn.BatchNorm1d(4).eval()
    gate = GatedLsb(bn).eval()
    y_msb = torch.tensor([[0.1, -0.3, 2.0, -5.0]])
    y_lsb = torch.tensor([[4.0, 4.0, 4.0, 4.0]])
    out = gate(y_msb, y_lsb)  # delta 0.5, identity BN: the first two are gated on
    torch.testing.assert_close(out, torch.tensor([[2.1, 1.7, 2.0, -5.0]]))


def _gate_rate_after_training(weight: float, target: float = 0.1) -> float:
    torch.manual_seed(0)
    data = load_dataset("digits")
    method = FracBNN(gate_weight=weight, gate_target=target)
    model = build_model("tfc_w1a1", data.num_classes, data.in_shape, method="fracbnn")
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    x, y = data.train.images[:256], data.train.labels[:256]
    for _ in range(40):
        logits = model(x)
        loss = method.loss(model, x, y, logits, nn.functional.cross_entropy(logits, y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model(x)
    return gate_rate(model)


def test_gate_rate_follows_its_regularizer_both_ways():
    free = _gate_rate_after_training(0.0)  # ~0.56 with delta's initial 0.5
    low, high = _gate_rate_after_training(20.0, target=0.02), _gate_rate_after_training(20.0, target=0.9)
    assert low < 0.2 * free and high > free + 0.15, (low, free, high)
    assert low < 0.1 and high > 0.75
