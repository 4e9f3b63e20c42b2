"""A training sweep: methods x topologies x seeds (x datasets), each a `bcnn train` run as a Ray
Tune trial. A trial trains into <runs>/<model>-<method>-<dataset>-e<epochs>-<hash> (the directory
of its configuration, design_point.run_directory), so a stopped trial resumes its epochs there."""
import time
from dataclasses import asdict, fields
from functools import partial
from pathlib import Path

import ray
import torch

from models.errors import BcnnError
from models.names import METHOD_NAMES, MODEL_NAMES
from models.train import TrainConfig, train

from ..design_point import run_directory

SPEC_FIELDS = tuple(f.name for f in fields(TrainConfig) if f.name not in ("out", "stop_after", "data_root"))


def training_specs(models: list, methods: list, seeds: list, datasets: list, **options) -> list:
    """One spec per (dataset, model, method, seed); `options` are further TrainConfig fields
    (epochs, limit, lr, ...), the same for all."""
    for name, given, valid in (("model", models, MODEL_NAMES), ("method", methods, METHOD_NAMES)):
        bad = [g for g in given if g not in valid]
        if bad:
            raise BcnnError(f"unknown {name}(s) {', '.join(bad)}; valid: {', '.join(valid)}")
    specs = []
    for dataset in datasets:
        for model in models:
            for method in methods:
                for seed in seeds:
                    cfg = TrainConfig(model=model, dataset=dataset, out="unused", method=method, seed=int(seed),
                                      **options)
                    specs.append({k: v for k, v in asdict(cfg).items() if k in SPEC_FIELDS})
    return specs


def train_spec(spec: dict, runs: Path, threads: int = 1) -> dict:
    """Train one spec (or resume it) under runs/; its test accuracy and time."""
    torch.set_num_threads(threads)
    cfg = TrainConfig(out="unset", **spec)
    cfg.out = str(run_directory(cfg, Path(runs)))
    start = time.perf_counter()
    metrics = train(cfg, show_progress=False)
    return {"model": cfg.model, "method": cfg.method, "dataset": cfg.dataset, "seed": cfg.seed, "epochs": cfg.epochs,
            "test_accuracy": round(100 * metrics["test_accuracy"], 2), "train_seconds": metrics["train_seconds"],
            "seconds": round(time.perf_counter() - start, 1), "run": Path(cfg.out).name,
            "node": ray.get_runtime_context().get_node_id() if ray.is_initialized() else None}


def trainer(runs: Path, threads: int = 1):
    """train_spec bound to a run root, as a picklable function of the spec alone (for run_trials)."""
    return partial(train_spec, runs=Path(runs).resolve(), threads=threads)
