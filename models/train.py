"""Training: seeded, resumable, one checkpoint, metrics.json and curves.png per run directory.

Each epoch reseeds from (seed, epoch) and the learning rate follows a cosine schedule over
`epochs`, computed from the step index, so a run interrupted (or stopped with `stop_after`) after
epoch k and resumed with the same `epochs` continues exactly as an uninterrupted one would.
Resuming with more epochs continues from the checkpoint on the longer schedule. The method's
recipe (models/recipes.py) gives the model its blocks; its hooks (models/methods) add loss terms
and schedules (EDE). A method that distills from a float teacher (DGRL) gets one from here: the
checkpoint given with `teacher`, or one trained on the fly into the run's teacher/ directory.
With the STE, latent weights are clipped to [-1, 1] after every step (outside that range they
get no gradient).
"""
import json
import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from brevitas.nn import QuantConv2d, QuantLinear
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from .augment import random_shift
from .checkpoint import frozen, load_checkpoint, save_checkpoint
from .curves import plot_history
from .data import load_dataset
from .distill import OutputDistillation
from .errors import BcnnError
from .methods.base import Method
from .methods.registry import get_method
from .registry import build_model

TEACHER_EPOCHS = 3
TEACHER_DIR = "teacher"
CHECKPOINT = "checkpoint.pt"
METRICS = "metrics.json"
CURVES = "curves.png"


@dataclass
class TrainConfig:
    model: str
    dataset: str
    out: str
    epochs: int = 1
    batch_size: int = 100
    lr: float = 0.01
    seed: int = 0
    limit: int | None = None  # use only the first N samples of each split
    data_root: str | None = None
    method: str = "ste"
    teacher: str | None = None  # a float teacher's checkpoint (methods that need one); trained on the fly if None
    teacher_epochs: int = TEACHER_EPOCHS
    float_teacher: bool = False  # train the float model of this structure (a teacher)
    stop_after: int | None = None  # stop after this epoch of the `epochs` schedule (resume later)
    augment: int = 0  # translate training images by up to this many pixels (0: off)
    distill: str | None = None  # a trained checkpoint whose class distribution the model learns


class _FloatTraining(Method):
    """A teacher trains with the plain task loss and unclipped weights."""

    clip_latent = False


def float_teacher(cfg: TrainConfig, show_progress: bool) -> torch.nn.Module:
    """The float model of the student's structure a method distills from, frozen: cfg.teacher, or
    trained now (cfg.teacher_epochs, the student's data and schedule) into <out>/teacher."""
    if cfg.teacher:
        teacher, ckpt = load_checkpoint(Path(cfg.teacher))
        if ckpt["model_name"] != cfg.model or not ckpt.get("float_teacher"):
            raise BcnnError(f"{cfg.teacher}: a {cfg.method.upper()} teacher must be a float {cfg.model} trained with "
                            f"`bcnn train --method {cfg.method} --float-teacher`, got {ckpt['model_name']}")
        return frozen(teacher)
    out = Path(cfg.out) / TEACHER_DIR
    train(TrainConfig(cfg.model, cfg.dataset, str(out), epochs=cfg.teacher_epochs, batch_size=cfg.batch_size,
                      lr=cfg.lr, seed=cfg.seed, limit=cfg.limit, data_root=cfg.data_root, method=cfg.method,
                      float_teacher=True, augment=cfg.augment), show_progress=show_progress)
    return frozen(load_checkpoint(out / CHECKPOINT)[0])


def clip_latent_weights(model: torch.nn.Module) -> None:
    for m in model.modules():
        if isinstance(m, (QuantLinear, QuantConv2d)):
            m.weight.data.clamp_(-1.0, 1.0)


@torch.no_grad()
def evaluate(model, images, labels, batch_size=500) -> float:
    model.eval()
    correct = sum(int((model(images[i:i + batch_size]).argmax(1) == labels[i:i + batch_size]).sum())
                  for i in range(0, len(images), batch_size))
    return correct / len(images)


def cosine_lr(base: float, step: int, total: int) -> float:
    return 0.5 * base * (1.0 + math.cos(math.pi * min(step, total) / total))


def train(cfg: TrainConfig, show_progress: bool = True) -> dict:
    """Train (or resume) into cfg.out; returns the metrics dict also written to metrics.json."""
    if cfg.epochs < 1:
        raise BcnnError(f"--epochs must be at least 1, got {cfg.epochs}")
    out = Path(cfg.out)
    method = get_method(cfg.method)
    hooks = _FloatTraining() if cfg.float_teacher else method
    data = load_dataset(cfg.dataset, root=cfg.data_root, limit=cfg.limit)
    if not 0 <= cfg.augment < min(data.in_shape[1:]) // 2:
        raise BcnnError(f"--augment must be between 0 and {min(data.in_shape[1:]) // 2 - 1} pixels for "
                        f"{cfg.dataset}'s {data.in_shape[1]}x{data.in_shape[2]} images, got {cfg.augment}")
    torch.manual_seed(cfg.seed)
    try:
        model = build_model(cfg.model, data.num_classes, data.in_shape, method=cfg.method,
                            float_teacher=cfg.float_teacher)
    except ValueError as exc:
        raise BcnnError(f"model {cfg.model} does not fit dataset {cfg.dataset}: {exc}") from exc
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    history, start = [], 0
    if (out / CHECKPOINT).is_file():
        ckpt = torch.load(out / CHECKPOINT, map_location="cpu", weights_only=False)
        mine = {k: getattr(cfg, k) for k in ("model", "dataset", "method", "float_teacher")}
        older = {"method": "ste", "float_teacher": False}  # checkpoints from before methods existed
        theirs = {k: ckpt.get("train_config", {}).get(k, older.get(k)) for k in mine}
        if mine != theirs:
            raise BcnnError(f"{out / CHECKPOINT} belongs to another run ({theirs}, not {mine}); use another --out")
        model.load_state_dict(ckpt["state_dict"])
        optimizer.load_state_dict(ckpt["optimizer"])
        history, start = ckpt["history"], ckpt["epoch"]
    last = min(cfg.epochs, cfg.stop_after or cfg.epochs)
    if start < last:
        hooks.start(model, float_teacher(cfg, show_progress) if hooks.needs_teacher else None)
    loss_fn = torch.nn.CrossEntropyLoss()
    distiller = (OutputDistillation.from_checkpoint(cfg.distill, data.num_classes, data.in_shape)
                 if cfg.distill and start < last else None)
    train_x, train_y = data.train.images, data.train.labels
    steps = (len(train_x) + cfg.batch_size - 1) // cfg.batch_size
    total = steps * cfg.epochs
    label = f"{cfg.model} ({'float teacher' if cfg.float_teacher else cfg.method})"
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  disable=not show_progress) as progress:
        for epoch in range(start, last):
            task = progress.add_task(f"{label} epoch {epoch + 1}/{cfg.epochs}", total=steps)
            torch.manual_seed(cfg.seed * 100003 + epoch)
            order = torch.randperm(len(train_x))
            model.train()
            t0, total_loss = time.perf_counter(), 0.0
            for b in range(steps):
                step = epoch * steps + b
                for group in optimizer.param_groups:
                    group["lr"] = cosine_lr(cfg.lr, step, total)
                hooks.on_step(model, step / max(total - 1, 1))
                idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
                x, y = random_shift(train_x[idx], cfg.augment), train_y[idx]
                logits = model(x)
                task_loss = distiller(x, logits, y) if distiller else loss_fn(logits, y)
                loss = hooks.loss(model, x, y, logits, task_loss)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if hooks.clip_latent:
                    clip_latent_weights(model)
                total_loss += float(loss.detach()) * len(idx)
                progress.advance(task)
            history.append({
                "epoch": epoch + 1,
                "loss": total_loss / len(train_x),
                "train_accuracy": evaluate(model, train_x[:10000], train_y[:10000]),
                "test_accuracy": evaluate(model, data.test.images, data.test.labels),
                "seconds": round(time.perf_counter() - t0, 2),
                **hooks.epoch_metrics(model),
            })
            save_checkpoint(out / CHECKPOINT, model, cfg.model, data.num_classes, data.in_shape,
                            optimizer=optimizer.state_dict(), epoch=epoch + 1, history=history,
                            train_config=asdict(cfg), dataset=cfg.dataset, method=cfg.method,
                            float_teacher=cfg.float_teacher)
    metrics = {"model": cfg.model, "method": cfg.method, "dataset": cfg.dataset, "epochs": len(history),
               "test_accuracy": history[-1]["test_accuracy"],
               "train_seconds": round(sum(h["seconds"] for h in history), 2),
               "history": history, "config": asdict(cfg)}
    tmp = out / (METRICS + ".partial")
    tmp.write_text(json.dumps(metrics, indent=2))
    os.replace(tmp, out / METRICS)
    plot_history(history, out / CURVES, f"{label} on {cfg.dataset}")
    return metrics
