"""Runs a build: the steps of a BuildConfig in order, each output saved and verified, into a
temporary directory that is renamed to the build directory only when everything succeeded.

A BcnnError (the user's input is at fault) passes through as it is; any other exception inside
the build is a bug of bcnn's and becomes an InternalError naming the model file, the step and,
where the traceback knows it, the node (fault_location.py), the original chained to it."""
import contextlib
import importlib
import json
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from .checks import load_qonnx
from .config import BuildConfig, partial_dir
from models.errors import BcnnError, InternalError
from .fault_location import describe
from .finn_env import use_build_dir
from .relocate import rewrite_paths
from .steps import DEFAULT_STEPS, OUTPUT_STEPS
from .steps.dataflow import get_dataflow
from .vendor.pending import raise_if_pending
from .verify import Verifier


def resolve_steps(cfg: BuildConfig) -> list:
    """The config's step names (default: DEFAULT_STEPS, then the steps of the outputs it asks for);
    a name is a step of ours or `package.module:function` for a user's own step."""
    known = {**DEFAULT_STEPS, **OUTPUT_STEPS}
    names = cfg.steps or [*DEFAULT_STEPS, *(o for o in OUTPUT_STEPS if o in cfg.outputs)]
    steps = []
    for name in names:
        if name in known:
            steps.append((name, known[name]))
        elif ":" in name:
            module, _, func = name.partition(":")
            try:
                steps.append((name, getattr(importlib.import_module(module), func)))
            except (ImportError, AttributeError) as exc:
                raise BcnnError(f"build step '{name}' could not be imported ({exc})") from exc
        else:
            raise BcnnError(f"unknown build step '{name}'; valid: {', '.join(known)} or module:function")
    return steps


def run_build(cfg: BuildConfig, show_progress: bool = True, keep_failed: bool = False) -> Path:
    final = Path(cfg.out).resolve()
    tmp = partial_dir(final)
    steps = resolve_steps(cfg)
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "intermediate").mkdir(parents=True)
    work = replace(cfg, out=str(tmp))
    user_steps = {name for name, _ in steps if name not in DEFAULT_STEPS and name not in OUTPUT_STEPS}
    stage = "loading the model failed"  # what the build was doing, for an unexpected exception
    try:
        use_build_dir(tmp / "finn_tmp")
        model = load_qonnx(cfg.model)
        verifier = Verifier(model, cfg)
        log = []
        # FINN+ prints progress chatter on stdout: it goes to build.log, our progress bar to stderr.
        # The bar is transient and drawn on terminals only, so logs and an error stay one clean line.
        console = Console(stderr=True)
        with Progress(TextColumn("{task.description:<28}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=console, transient=True,
                      disable=not (show_progress and console.is_terminal)) as progress, \
                open(tmp / "build.log", "w") as finn_log, contextlib.redirect_stdout(finn_log):
            task = progress.add_task("build", total=len(steps))
            for index, (name, step) in enumerate(steps):
                progress.update(task, description=f"step {name}")
                start = time.perf_counter()
                stage = f"{'your ' if name in user_steps else ''}step '{name}' failed"
                model = step(model, work)
                model.save(str(tmp / "intermediate" / f"{index:02d}_{name}.onnx"))
                stage = f"verifying step '{name}' failed"
                entry = verifier.check(model, name, tmp / "finn_tmp")
                entry["seconds"] = round(time.perf_counter() - start, 3)
                log.append(entry)
                progress.advance(task)
        stage = "writing the build directory failed"
        report = tmp / "report"
        report.mkdir(exist_ok=True)
        (report / "verification.json").write_text(json.dumps(log, indent=2))
        model.save(str(tmp / "model.onnx"))
        if model.get_nodes_by_op_type("StreamingDataflowPartition"):
            get_dataflow(model).save(str(tmp / "dataflow.onnx"))
        cfg.save(tmp / "build.yaml")
        shutil.rmtree(tmp / "finn_tmp", ignore_errors=True)
        rewrite_paths(tmp, str(tmp), str(final))
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException as exc:
        if not keep_failed:
            shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, Exception) and not isinstance(exc, BcnnError):
            kept = f" (partial build kept in {tmp})" if keep_failed else ""
            if isinstance(exc, InternalError):  # already says where (a tool's failure): add the step
                raise InternalError(f"{cfg.model}: {stage}: {str(exc).removeprefix(f'{tmp}: ')}{kept}") from exc
            where, cause = describe(exc)
            message = f"{cfg.model}: {stage}{' ' + where if where else ''}: {cause}{kept}"
            if stage.startswith("your "):  # the user's own code, not a bug of bcnn's
                raise BcnnError(message) from exc
            raise InternalError(message) from exc
        raise
    raise_if_pending(final)  # everything that needs no vendor tool is in place; name what is missing
    return final
