"""Output distillation (`bcnn train --distill`): the student learns the teacher's class
distribution, from any teacher of the same dataset."""
import json

import torch
from click.testing import CliRunner

from build_flows.cli import main
from models.distill import OutputDistillation


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_soft_loss_is_zero_at_the_teacher_and_its_gradient_pulls_towards_it():
    torch.manual_seed(0)
    teacher = torch.nn.Linear(6, 4)
    distill = OutputDistillation(teacher, alpha=1.0, temperature=4.0)
    x, labels = torch.randn(32, 6), torch.randint(0, 4, (32,))
    with torch.no_grad():
        assert float(distill(x, teacher(x), labels)) < 1e-6
        # softened: logits with the teacher's ranking but sharper still cost something
        assert float(distill(x, 3 * teacher(x), labels)) > 1e-2
    student = torch.nn.Linear(6, 4)
    opt = torch.optim.SGD(student.parameters(), lr=0.5)
    losses = []
    for _ in range(300):
        loss = distill(x, student(x), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < 0.05 * losses[0]
    assert all(p.grad is None for p in teacher.parameters())  # the teacher stays frozen
    with torch.no_grad():
        soft = [torch.softmax(m(x) / 4.0, dim=1) for m in (student, teacher)]
    assert (soft[0] - soft[1]).abs().max() < 0.05


def test_hard_part_is_cross_entropy_with_the_labels():
    torch.manual_seed(0)
    x, labels, logits = torch.randn(8, 6), torch.randint(0, 4, (8,)), torch.randn(8, 4)
    hard = OutputDistillation(torch.nn.Linear(6, 4), alpha=0.0)
    assert torch.allclose(hard(x, logits, labels), torch.nn.functional.cross_entropy(logits, labels))


def test_a_float_cnn_teaches_a_binary_mlp_and_a_wrong_teacher_is_one_clear_error(tmp_path):
    teacher = tmp_path / "teacher"
    assert run_cli("train", "--model", "resnet_small", "--float-teacher", "--dataset", "digits", "--epochs", 3,
                   "--out", teacher).exit_code == 0
    student = tmp_path / "student"
    result = run_cli("train", "--model", "tfc_w1a1", "--dataset", "digits", "--epochs", 2,
                     "--distill", teacher / "checkpoint.pt", "--out", student)
    assert result.exit_code == 0, result.output
    metrics = json.loads((student / "metrics.json").read_text())
    assert metrics["config"]["distill"] == str(teacher / "checkpoint.pt")
    losses = [h["loss"] for h in metrics["history"]]
    assert losses[1] < losses[0]

    bad = run_cli("train", "--model", "tfc_w1a1", "--dataset", "mnist", "--limit", 200, "--epochs", 1,
                  "--distill", teacher / "checkpoint.pt", "--out", tmp_path / "bad")
    assert bad.exit_code == 2
    assert f"--distill {teacher / 'checkpoint.pt'}: its model takes (1, 8, 8) inputs" in bad.output
    assert not (tmp_path / "bad" / "checkpoint.pt").exists()
