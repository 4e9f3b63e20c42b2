"""Bi-Real shortcuts, DGRL's Squeeze-and-Interaction branch and teacher, SoFAr's fractal blocks."""
import pytest
import torch
from torch import nn

from models.blocks.parts import SHORTCUT_BITS, Parts, taps
from models.blocks.si import SqueezeInteraction
from models.methods.dgrl import DGRL
from models.quantizers import ShortcutQuant
from models.registry import build_model
from models.blocks.units import BinaryUnit
from models.topologies.sofar import DenseFractalBlock, FractalBlock

GRID = 2.0 ** -4


def on_grid(t: torch.Tensor) -> bool:
    return torch.equal(t / GRID, torch.round(t / GRID))


def test_shortcut_adds_the_input_on_the_integer_grid():
    torch.manual_seed(0)
    unit = BinaryUnit(Parts(shortcut=True), nn.Linear(8, 8, bias=False), nn.BatchNorm1d(8), shortcut=True).eval()
    x = torch.round(torch.randn(32, 8) * 16) * GRID
    with torch.no_grad():
        y = unit(x)
        branch = unit.branch_quant(unit.norm(unit.layer(unit.act(x))))
    assert on_grid(y) and on_grid(branch)
    limit = 2 ** (SHORTCUT_BITS - 1) * GRID
    torch.testing.assert_close(y, torch.clamp(branch + x, -limit, limit - GRID), rtol=0, atol=0)
    assert ShortcutQuant.max_val == limit - GRID


def test_bireal_resnet_differs_from_ste_only_by_shortcuts():
    ste, bireal = build_model("resnet_small", method="ste"), build_model("resnet_small", method="bireal")
    assert sum(p.numel() for p in ste.parameters()) == sum(p.numel() for p in bireal.parameters())
    units = [m for m in bireal.modules() if isinstance(m, BinaryUnit)]
    assert sum(u.shortcut for u in units) == 3  # every unit of equal input and output shape (not the widening one)
    assert not any(u.shortcut for u in ste.modules() if isinstance(u, BinaryUnit))


@pytest.mark.parametrize("method", ["irnet", "bireal", "dgrl", "fracbnn"])
def test_resnet_wide_is_resnet_small_with_twice_the_channels(method):
    """The same units, shortcuts and method parts at twice the width (about four times the binary
    weights), and it trains on the same data: one step on digits-sized inputs."""
    small, wide = build_model("resnet_small", method=method), build_model("resnet_wide", method=method)
    convs = [[m.out_channels for m in model.modules() if isinstance(m, nn.Conv2d)] for model in (small, wide)]
    assert convs[1] == [2 * c for c in convs[0]]
    units = [[(u.shortcut, u.si is not None, u.fractional) for u in m.modules() if isinstance(u, BinaryUnit)]
             for m in (small, wide)]
    assert units[0] == units[1] and any(u[0] for u in units[1])
    wide_in = build_model("resnet_wide", in_shape=(1, 8, 8), method=method)
    scores = wide_in(torch.rand(4, 1, 8, 8))
    scores.logsumexp(1).sum().backward()
    last_conv = [m for m in wide_in.modules() if isinstance(m, nn.Conv2d)][-1]
    assert scores.shape == (4, 10)
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in last_conv.parameters())  # it learns


def test_squeeze_interaction_costs_about_ten_percent_and_is_exact_on_the_grid():
    plain, dgrl = build_model("resnet_small", method="bireal"), build_model("resnet_small", method="dgrl")
    convs = sum(m.weight.numel() for m in plain.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3))
    si = sum(p.numel() for m in dgrl.modules() if isinstance(m, SqueezeInteraction) for p in m.parameters())
    assert 0.08 <= si / convs <= 0.16
    branch = SqueezeInteraction(Parts(), 16, 16).eval()
    x = torch.round(torch.randn(4, 16, 14, 14) * 16) * GRID
    with torch.no_grad():
        out = branch(x)
    assert out.shape == (4, 16, 1, 1) and on_grid(out)


def test_dgrl_teacher_mirrors_the_student_and_its_loss_is_blockwise_mse():
    torch.manual_seed(0)
    student = build_model("resnet_small", method="dgrl")
    teacher = build_model("resnet_small", method="dgrl", float_teacher=True)
    assert len(taps(student)) == len(taps(teacher)) == 5
    assert not any("Quant" in type(m).__name__ for m in teacher.modules())
    method = DGRL(weight=0.5)
    method.start(student, teacher.eval())
    x = torch.rand(6, 1, 28, 28)
    logits = student.train()(x)
    feats = list(method.student_taps.outputs)
    with torch.no_grad():
        teacher(x)
    def unit_rms(t):
        return t / t.flatten(1).norm(dim=1).reshape(-1, *([1] * (t.dim() - 1))) * t[0].numel() ** 0.5

    expected = sum(nn.functional.mse_loss(unit_rms(s), unit_rms(t))
                   for s, t in zip(feats, method.teacher_taps.take())) / 5
    task = torch.tensor(2.0)
    method.on_step(student, 0.5)  # the distillation weight decays linearly: half of 0.5 at mid-run
    got = method.loss(student, x, None, logits, task)
    torch.testing.assert_close(got, task + 0.25 * expected)


@pytest.mark.parametrize("columns", [1, 2, 3])
def test_fractal_expansion_has_2c_minus_1_units_and_a_2c1_deep_column(columns):
    block = FractalBlock(Parts(shortcut=True), 4, columns)
    units = [m for m in block.modules() if isinstance(m, BinaryUnit)]
    assert len(units) == 2 ** columns - 1

    def depth(b):
        return 1 if b.deep is None else max(1, 2 * depth(b.deep[0]))
    assert depth(block) == 2 ** (columns - 1)
    x = torch.round(torch.randn(2, 4, 6, 6) * 16) * GRID
    assert on_grid(block.eval()(x))


def test_dense_fractal_concatenates_input_and_columns():
    dense = DenseFractalBlock(Parts(shortcut=True), 16, growth=8, columns=2).eval()
    plain = DenseFractalBlock(Parts(), 16, growth=8, columns=2).eval()
    x = torch.round(torch.randn(2, 16, 7, 7) * 16) * GRID
    out = dense(x)
    assert dense.out_channels == out.shape[1] == 16 + 2 * 8 and torch.equal(out[:, :16], x)
    assert plain.out_channels == plain(x).shape[1] == 2 * 8
    second = dense.columns[1][1].layer
    assert second.in_channels == 16 + 8  # sees the block input and the column's first unit
