"""Runs a sweep's evaluations on Ray and caches each result by the content hash of its spec.

A spec is a JSON-able dict that fully determines one evaluation (the model's bytes are part of a
design spec through their hash). Results land in the cache one by one as they finish, written
whole or not at all, so a sweep that is stopped resumes where it was: only specs without a cached
result run again. A failed evaluation is reported, not cached, and retried on the next run.

Without an address Ray starts in-process on this machine with `jobs` CPUs; with one (host:port
of `ray start --head`) the evaluations run on that cluster's workers, which need bcnn-fpga
installed at the same version."""
import hashlib
import io
import json
import logging
import socket
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Callable

import ray
from ray import tune
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from models.errors import BcnnError

from ...atomic import write_json

# Part of every key: bump when what an evaluation measures changes, so older cached rows are not
# taken for new ones.
RESULT_FORMAT = 1


def content_key(kind: str, spec: dict) -> str:
    blob = json.dumps({"kind": kind, "format": RESULT_FORMAT, "spec": spec}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


class ResultCache:
    """One JSON file per evaluated spec: <root>/<key>.json holding {"spec": .., "row": ..}."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def get(self, key: str) -> dict | None:
        path = self.root / f"{key}.json"
        return json.loads(path.read_text())["row"] if path.is_file() else None

    def put(self, key: str, spec: dict, row: dict) -> None:
        write_json(self.root / f"{key}.json", {"spec": spec, "row": row})


def check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Fail in seconds on a wrong --address: Ray itself retries an unreachable cluster for minutes."""
    host, _, port = address.rpartition(":")
    if address.startswith("ray://") or address == "auto":
        return  # Ray Client and the local cluster's own file: Ray resolves and reports these
    if not host or not port.isdigit():
        raise BcnnError(f"--address {address}: expected HOST:PORT of a Ray head node (`ray start --head` prints it)")
    try:
        socket.create_connection((host, int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise BcnnError(f"--address {address}: no Ray cluster answers there ({exc.strerror or exc}); start one with "
                        "`ray start --head`, or leave --address out to run on this machine") from exc


@contextmanager
def ray_session(address: str | None, jobs: int | None):
    """Ray for the length of a sweep: the cluster at `address`, else a private one on this machine."""
    if ray.is_initialized():  # a caller's session (a notebook, a test): use it, leave it running
        yield
        return
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR, "configure_logging": False}
    try:
        if address:
            check_reachable(address)
            ray.init(address=address, **quiet)
        else:
            # "local": a new private instance even where `ray start` runs a cluster on this machine
            ray.init(address="local", num_cpus=jobs, include_dashboard=False, **quiet)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        if not address:
            raise
        raise BcnnError(f"--address {address}: cannot reach a Ray cluster there ({str(exc).splitlines()[0]}); "
                        "start one with `ray start --head`, or leave --address out to run on this machine") from exc
    try:
        yield
    finally:
        ray.shutdown()


def _progress(console: Console | None) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console or Console(stderr=True), transient=True)


def _pending(kind: str, specs: list, cache: ResultCache) -> tuple[list, dict, list]:
    """-> (the specs' keys, key -> cached row or None, [(key, spec)] to run; a spec given twice runs once)."""
    keys = [content_key(kind, spec) for spec in specs]
    rows = {key: cache.get(key) for key in keys}
    todo = {key: spec for key, spec in zip(keys, specs) if rows[key] is None}
    return keys, rows, list(todo.items())


def _rows(keys: list, rows: dict, ran: set) -> list:
    return [{"key": key, "cached": key not in ran, **rows[key]} for key in keys]


def run_tasks(evaluate: Callable, specs: list, kind: str, cache: ResultCache, shared=None,
              address: str | None = None, jobs: int | None = None, cpus_per_task: float = 1,
              console: Console | None = None) -> list:
    """evaluate(spec, shared) -> row for every spec, as Ray tasks; rows in the order of `specs`,
    each with its key and whether it came from the cache (failures: {"error": ...})."""
    keys, rows, todo = _pending(kind, specs, cache)
    if todo:
        with ray_session(address, jobs), _progress(console) as bar:
            task = bar.add_task(f"{kind}: {len(todo)} to run, {len(keys) - len(todo)} cached", total=len(todo))
            remote = ray.remote(num_cpus=cpus_per_task, max_retries=0)(evaluate)
            shared_ref = ray.put(shared)
            running = {remote.remote(spec, shared_ref): (key, spec) for key, spec in todo}
            while running:
                done, _ = ray.wait(list(running), num_returns=1)
                key, spec = running.pop(done[0])
                try:
                    rows[key] = ray.get(done[0])
                    cache.put(key, spec, rows[key])
                except ray.exceptions.RayTaskError as exc:
                    rows[key] = {"error": _first_line(exc.cause)}
                bar.advance(task)
    return _rows(keys, rows, {key for key, _ in todo})


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def _trial(evaluate: Callable) -> Callable:
    def trial(config: dict) -> None:
        # JSON in one metric: Tune flattens nested metrics and adds its own; the row comes back as is.
        tune.report({"row_json": json.dumps(evaluate(config["spec"]))})
    return trial


class _CacheTrialRows(tune.Callback):
    """Driver side: caches each trial's row the moment it reports (a sweep stopped half way keeps
    the trials that finished) and advances the progress bar."""

    def __init__(self, kind: str, cache: ResultCache, bar: Progress, task):
        self.kind, self.cache, self.bar, self.task = kind, cache, bar, task

    def __getstate__(self):  # Tune saves its run config with the experiment; a live bar is not state
        return {"kind": self.kind, "cache": self.cache, "bar": None, "task": None}

    def on_trial_result(self, iteration, trials, trial, result, **info):
        spec = trial.config["spec"]
        self.cache.put(content_key(self.kind, spec), spec, json.loads(result["row_json"]))

    def on_trial_complete(self, iteration, trials, trial, **info):
        if self.bar is not None:
            self.bar.advance(self.task)

    on_trial_error = on_trial_complete


def run_trials(evaluate: Callable, specs: list, kind: str, cache: ResultCache, storage: Path,
               address: str | None = None, jobs: int | None = None, cpus_per_trial: float = 1,
               console: Console | None = None) -> list:
    """evaluate(spec) -> row for every spec, as Ray Tune trials (a grid over the specs not cached);
    Tune's experiment state goes to storage/<kind>. Rows as run_tasks returns them."""
    keys, rows, todo = _pending(kind, specs, cache)
    if todo:
        with ray_session(address, jobs), _progress(console) as bar:
            task = bar.add_task(f"{kind}: {len(todo)} to run, {len(keys) - len(todo)} cached", total=len(todo))
            tuner = tune.Tuner(
                tune.with_resources(_trial(evaluate), {"cpu": cpus_per_trial}),
                param_space={"spec": tune.grid_search([spec for _, spec in todo])},
                tune_config=tune.TuneConfig(max_concurrent_trials=jobs),
                run_config=tune.RunConfig(storage_path=str(Path(storage).resolve()), name=kind, verbose=0,
                                          callbacks=[_CacheTrialRows(kind, cache, bar, task)],
                                          failure_config=tune.FailureConfig(max_failures=0)))
            with redirect_stdout(io.StringIO()):  # Tune's banner and TensorBoard hints; the rows say it all
                results = tuner.fit()
        for result in results:
            key = content_key(kind, result.config["spec"])
            if result.error is not None:
                rows[key] = {"error": _first_line(getattr(result.error, "cause", None) or result.error)}
                continue
            rows[key] = json.loads(result.metrics["row_json"])
    return _rows(keys, rows, {key for key, _ in todo})
