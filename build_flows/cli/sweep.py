"""`bcnn sweep designs|train`: many candidate designs or training runs on Ray, cached by content."""
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from build_flows.config import default
from models.errors import BcnnError

from .tables import print_table

console = Console(stderr=True)

_address = click.option("--address", default=None, metavar="HOST:PORT",
                        help="A Ray cluster (`ray start --head` prints it) [default: Ray in-process, this machine].")
_jobs = click.option("--jobs", default=None, type=int,
                     help="In-process: evaluations at a time [default: one per core]. Ignored with --address.")


def number_list(option: str, text: str, kind=float) -> list:
    try:
        values = [kind(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise BcnnError(f"--{option} {text}: expected comma-separated numbers, e.g. 1,1.5,2") from exc
    if any(v <= 0 for v in values):
        raise BcnnError(f"--{option} {text}: every value must be positive")
    return values


def name_list(text: str) -> list:
    return [v.strip() for v in text.split(",") if v.strip()]


def check_jobs(jobs):
    if jobs is not None and jobs < 1:
        raise BcnnError(f"--jobs must be at least 1, got {jobs}")


@click.group()
def sweep():
    """Explore many designs or training runs at once, on this machine or a Ray cluster."""


@sweep.command("designs")
@click.argument("model", type=click.Path())
@click.option("--out", required=True, type=click.Path(), help="Sweep directory (results, cache, folding files).")
@click.option("--board", default=default("board"), show_default=True)
@click.option("--clock-ns", default=None, type=float, help="Clock period; default: the board's.")
@click.option("--lut-cap", default=default("lut_cap"), show_default=True, type=float, help="Share of the board's LUTs a fit may use.")
@click.option("--fastest", "fastest_scales", default="", metavar="S1,S2,..",
              help="--folding fastest candidates, one per synthesized-per-estimated LUT ratio.")
@click.option("--target-fps", default="", metavar="F1,F2,..", help="FINN+ SetFolding candidates, one per target FPS.")
@click.option("--folding", "folding_files", multiple=True,
              help="A folding file (or a shipped one by name, e.g. cnv_w1a1) as a candidate; repeatable.")
@click.option("--fifo-depth", default=str(default("fifo_depth")), show_default=True, metavar="D1,D2,..",
              help="FIFO depths, each crossed with every folding candidate.")
@click.option("--outputs", default="estimates,rtl,synth", show_default=True,
              help="What each candidate builds: synth judges fit by Yosys, sim checks every stream.")
@_address
@_jobs
def designs(model, out, board, clock_ns, lut_cap, fastest_scales, target_fps, folding_files, fifo_depth, outputs,
            address, jobs):
    """Build every candidate folding x FIFO depth of MODEL; the fastest that fits the board."""
    from build_flows.atomic import write_json
    from build_flows.explore.sweep.designs import design_specs, evaluate_design, fastest_fitting, fits, folding_candidates
    from build_flows.explore.sweep.engine import ResultCache, run_tasks

    check_jobs(jobs)
    foldings = folding_candidates(number_list("fastest", fastest_scales), number_list("target-fps", target_fps),
                                  folding_files)
    common = {"board": board, "clock_ns": clock_ns, "lut_cap": lut_cap, "outputs": name_list(outputs), "seed": 0}
    specs = design_specs(Path(model), common, foldings, number_list("fifo-depth", fifo_depth, int))
    out = Path(out)
    rows = run_tasks(evaluate_design, specs, "designs", ResultCache(out / "cache"), shared=Path(model).read_bytes(),
                     address=address, jobs=jobs, console=console)
    for row in rows:
        if "folding" in row:
            write_json(out / "foldings" / f"{row['key']}.json", row["folding"])
    best = fastest_fitting(rows)
    write_json(out / "results.json", {"model": str(model), "best": best and best["key"], "rows": rows})
    table = Table(title=f"{len(rows)} designs of {model} for {board}")
    for col in ("key", "design", "cycles/frame", "FPS", "LUT est.", "LUT synth", "BRAM18", "fits", "cached"):
        table.add_column(col, no_wrap=True)
    for r in rows:
        if "error" in r:
            table.add_row(r["key"][:8], "failed", r["error"][:80], *[""] * 5, str(r["cached"]))
            continue
        table.add_row(r["key"][:8], r["design"], f"{r['cycles_per_frame']:,}", f"{r['fps_at_clock']:,.0f}",
                      f"{r['lut_estimated']:,}", f"{r['lut_synthesized']:,}" if "lut_synthesized" in r else "-",
                      str(r.get("bram_18k_synthesized", r["bram_18k_estimated"])),
                      str(fits(r)), str(r["cached"]))
    print_table(table)
    failed = [r for r in rows if "error" in r]
    if failed:
        click.echo(f"{len(failed)} candidate(s) failed (not cached, rerun retries them): {failed[0]['error']}", err=True)
    if best is None:
        raise BcnnError(f"no candidate fits {board}; see {out / 'results.json'}")
    depth = next(spec["fifo_depth"] for row, spec in zip(rows, specs) if row["key"] == best["key"])
    click.echo(f"fastest that fits: {best['design']} ({best['fps_at_clock']:,.0f} FPS); build it with "
               f"`bcnn build {model} --board {board} --folding {out / 'foldings' / (best['key'] + '.json')} "
               f"--fifo-depth {depth}`")


@sweep.command("train")
@click.option("--out", required=True, type=click.Path(), help="Sweep directory (results, cache, runs, Tune state).")
@click.option("--models", required=True, metavar="M1,M2,..", help="Topologies (see `bcnn train --help`).")
@click.option("--methods", default="ste", show_default=True, metavar="M1,M2,..", help="Training methods (`bcnn methods`).")
@click.option("--seeds", default="0", show_default=True, metavar="S1,S2,..")
@click.option("--datasets", default="mnist", show_default=True, metavar="D1,D2,..")
@click.option("--epochs", default=1, show_default=True, type=int)
@click.option("--limit", default=None, type=int, help="Use only the first N samples of each split.")
@_address
@_jobs
def train_sweep(out, models, methods, seeds, datasets, epochs, limit, address, jobs):
    """Train every dataset x model x method x seed as Ray Tune trials; a table of test accuracies."""
    from build_flows.atomic import write_json
    from build_flows.explore.sweep.engine import ResultCache, run_trials
    from build_flows.explore.sweep.training import trainer, training_specs

    check_jobs(jobs)
    try:
        seed_list = [int(s) for s in name_list(seeds)]
    except ValueError as exc:
        raise BcnnError(f"--seeds {seeds}: expected comma-separated integers, e.g. 0,1,2") from exc
    specs = training_specs(name_list(models), name_list(methods), seed_list, name_list(datasets), epochs=epochs,
                           limit=limit)
    out = Path(out)
    rows = run_trials(trainer(out / "runs"), specs, "train", ResultCache(out / "cache"), out / "tune",
                      address=address, jobs=jobs)
    write_json(out / "results.json", {"rows": rows})
    table = Table(title=f"{len(rows)} training runs")
    for col in ("dataset", "model", "method", "seed", "epochs", "test acc. (%)", "train s", "cached"):
        table.add_column(col)
    for spec, r in zip(specs, rows):
        accuracy, seconds = (r["error"][:60], "") if "error" in r else (f"{r['test_accuracy']:.2f}",
                                                                          f"{r['train_seconds']:.0f}")
        table.add_row(spec["dataset"], spec["model"], spec["method"], str(spec["seed"]), str(spec["epochs"]),
                      accuracy, seconds, str(r["cached"]))
    print_table(table)
    failed = [r for r in rows if "error" in r]
    if failed:
        raise BcnnError(f"{len(failed)} training run(s) failed (not cached, rerun retries them): {failed[0]['error']}")
    click.echo(f"results: {out / 'results.json'}")
