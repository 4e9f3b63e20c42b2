"""Training: seeded, resumable, one checkpoint and one metrics.json per run directory.

Each epoch reseeds from (seed, epoch), so a run resumed after epoch k continues exactly as an
uninterrupted one would. Latent weights are clipped to [-1, 1] after every step, as binary
training with a straight-through estimator needs (outside that range the gradient is zero).
"""
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from brevitas.nn import QuantConv2d, QuantLinear
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .checkpoint import save_checkpoint
from .data import load_dataset
from .errors import BcnnError
from .registry import build_model

CHECKPOINT = "checkpoint.pt"
METRICS = "metrics.json"


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


def train(cfg: TrainConfig, show_progress: bool = True) -> dict:
    """Train (or resume) into cfg.out; returns the metrics dict also written to metrics.json."""
    if cfg.epochs < 1:
        raise BcnnError(f"--epochs must be at least 1, got {cfg.epochs}")
    out = Path(cfg.out)
    data = load_dataset(cfg.dataset, root=cfg.data_root, limit=cfg.limit)
    torch.manual_seed(cfg.seed)
    try:
        model = build_model(cfg.model, data.num_classes, data.in_shape)
    except ValueError as exc:
        raise BcnnError(f"model {cfg.model} does not fit dataset {cfg.dataset}: {exc}") from exc
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    history, start = [], 0
    if (out / CHECKPOINT).is_file():
        ckpt = torch.load(out / CHECKPOINT, map_location="cpu", weights_only=False)
        if ckpt.get("train_config", {}).get("model") != cfg.model or ckpt.get("train_config", {}).get("dataset") != cfg.dataset:
            raise BcnnError(f"{out / CHECKPOINT} belongs to another run ({ckpt.get('train_config')}); use another --out")
        model.load_state_dict(ckpt["state_dict"])
        optimizer.load_state_dict(ckpt["optimizer"])
        history, start = ckpt["history"], ckpt["epoch"]
    loss_fn = torch.nn.CrossEntropyLoss()
    train_x, train_y = data.train.images, data.train.labels
    steps = (len(train_x) + cfg.batch_size - 1) // cfg.batch_size
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  disable=not show_progress) as progress:
        for epoch in range(start, cfg.epochs):
            task = progress.add_task(f"epoch {epoch + 1}/{cfg.epochs}", total=steps)
            torch.manual_seed(cfg.seed * 100003 + epoch)
            order = torch.randperm(len(train_x))
            model.train()
            t0, total_loss = time.perf_counter(), 0.0
            for b in range(steps):
                idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
                loss = loss_fn(model(train_x[idx]), train_y[idx])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                clip_latent_weights(model)
                total_loss += float(loss) * len(idx)
                progress.advance(task)
            history.append({
                "epoch": epoch + 1,
                "loss": total_loss / len(train_x),
                "train_accuracy": evaluate(model, train_x[:10000], train_y[:10000]),
                "test_accuracy": evaluate(model, data.test.images, data.test.labels),
                "seconds": round(time.perf_counter() - t0, 2),
            })
            save_checkpoint(out / CHECKPOINT, model, cfg.model, data.num_classes, data.in_shape,
                            optimizer=optimizer.state_dict(), epoch=epoch + 1, history=history,
                            train_config=asdict(cfg), dataset=cfg.dataset)
    metrics = {"model": cfg.model, "dataset": cfg.dataset, "epochs": cfg.epochs,
               "test_accuracy": history[-1]["test_accuracy"], "history": history, "config": asdict(cfg)}
    (out / METRICS).write_text(json.dumps(metrics, indent=2))
    return metrics
