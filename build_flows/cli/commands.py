"""`bcnn`: train, export, build, report, demo. Errors print one line; --debug shows tracebacks."""
import json
from dataclasses import asdict
import logging
import os
import sys
import warnings
from pathlib import Path

import click
from click.core import ParameterSource
from rich.console import Console

from .sweep import sweep
from .tables import print_table
from build_flows.config import default
from build_flows.fault_location import describe
from models.errors import BcnnError, InternalError
from models.names import DATASET_NAMES, METHOD_NAMES, MODEL_NAMES

console = Console(stderr=True)


BUG_HINT = "this is a bcnn bug: rerun with --debug for the traceback and report it"


class BcnnGroup(click.Group):
    """Turns any error into one line on stderr (without --debug): a BcnnError (the user's input)
    as it is, exit 2; an InternalError (ours, naming where) or any other exception (named by where
    it was raised) with the hint that it is a bug, exit 1."""

    def invoke(self, ctx):
        debug = ctx.params.get("debug", False)
        if not debug:
            warnings.filterwarnings("ignore")
            logging.disable(logging.WARNING)
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # the reader went away (`bcnn report X | head`): not an error of ours
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(0)
        except BcnnError as exc:
            if debug:
                raise
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except Exception as exc:
            if debug:
                raise
            if not isinstance(exc, InternalError):
                where, cause = describe(exc)
                exc = f"bcnn {ctx.invoked_subcommand or ''} failed{' ' + where if where else ''}: {cause}"
            click.echo(f"error: {exc}; {BUG_HINT}", err=True)
            sys.exit(1)


@click.group(cls=BcnnGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks and FINN+ warnings.")
def main(debug):
    """bcnn-fpga: binary CNNs from Brevitas to verified FPGA dataflow accelerators (FINN+)."""


@main.command()
@click.option("--method", default="ste", show_default=True, type=click.Choice(METHOD_NAMES),
              help="Training method; see `bcnn methods`.")
@click.option("--model", "model_name", type=click.Choice(MODEL_NAMES),
              help="Topology and precision [default: the method's small model].")
@click.option("--dataset", default="mnist", show_default=True, help=" | ".join(DATASET_NAMES))
@click.option("--epochs", default=1, show_default=True, type=int)
@click.option("--batch-size", default=100, show_default=True, type=int)
@click.option("--lr", default=0.01, show_default=True, type=float)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--limit", default=None, type=int, help="Use only the first N samples of each split.")
@click.option("--data-root", default=None, type=click.Path(), help="Directory of the dataset files.")
@click.option("--teacher", default=None, type=click.Path(),
              help="DGRL: a float teacher checkpoint (from --float-teacher); trained on the fly if omitted.")
@click.option("--teacher-epochs", default=3, show_default=True, type=int, help="DGRL: epochs of an on-the-fly teacher.")
@click.option("--float-teacher", is_flag=True, help="Train the float model of the method's structure (a teacher).")
@click.option("--augment", default=0, show_default=True, type=int,
              help="Translate training images by up to this many pixels (0: no augmentation).")
@click.option("--distill", default=None, type=click.Path(),
              help="Learn the class distribution of this trained checkpoint (any model of the same dataset, "
                   "e.g. a --float-teacher CNN) instead of the labels.")
@click.option("--stop-after", default=None, type=int,
              help="Stop after this epoch of the --epochs schedule; rerun without it to resume.")
@click.option("--out", required=True, type=click.Path(),
              help="Run directory (checkpoint.pt, metrics.json, curves.png).")
def train(method, model_name, dataset, epochs, batch_size, lr, seed, limit, data_root, teacher, teacher_epochs,
          float_teacher, augment, distill, stop_after, out):
    """Train a model; rerunning with more --epochs resumes from the checkpoint in --out."""
    from models.recipes import get_recipe
    from models.train import TrainConfig, train as run_train

    model_name = model_name or get_recipe(method).default_model
    metrics = run_train(TrainConfig(model_name, dataset, out, epochs, batch_size, lr, seed, limit, data_root,
                                    method=method, teacher=teacher, teacher_epochs=teacher_epochs,
                                    float_teacher=float_teacher, stop_after=stop_after, augment=augment,
                                    distill=distill))
    click.echo(f"{model_name} ({method}) on {dataset}: test accuracy {metrics['test_accuracy']:.4f} after "
               f"{metrics['epochs']} epoch(s); checkpoint {Path(out) / 'checkpoint.pt'}")


@main.command()
def methods():
    """List the training methods and their default models."""
    from models.recipes import RECIPES

    for name, cls in RECIPES.items():
        click.echo(f"{name:8s} {cls.default_model:18s} {cls.summary}")


@main.command()
@click.argument("checkpoint", required=False, type=click.Path())
@click.option("--model", "model_name", type=click.Choice(MODEL_NAMES), help="With --random-init: which model.")
@click.option("--method", default="ste", show_default=True, type=click.Choice(METHOD_NAMES),
              help="With --random-init: the method whose parts the model gets.")
@click.option("--random-init", is_flag=True,
              help="Export a freshly initialised model (per-channel random batch-norm statistics) instead of a checkpoint.")
@click.option("--num-classes", default=10, show_default=True, type=int)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--out", required=True, type=click.Path(), help="QONNX file to write.")
def export(checkpoint, model_name, method, random_init, num_classes, seed, out):
    """Export a checkpoint (or --random-init --model NAME) to QONNX, verified against torch."""
    from models.checkpoint import load_checkpoint
    from models.export import export_model
    from models.random_init import random_model

    if random_init == bool(checkpoint):
        raise BcnnError("give either a CHECKPOINT or --random-init --model NAME")
    if random_init:
        if not model_name:
            raise BcnnError(f"--random-init needs --model; valid models: {', '.join(MODEL_NAMES)}")
        model = random_model(model_name, seed, method=method, num_classes=num_classes)
    else:
        model, ckpt = load_checkpoint(checkpoint)
        if ckpt.get("float_teacher"):
            raise BcnnError(f"{checkpoint} is a float teacher, not a BCNN: export the student trained with it")
    result = export_model(model, Path(out), seed=seed)
    click.echo(f"wrote {out} (QONNX == torch on {result['samples']} samples, max abs diff {result['max_abs_diff']:.3g})")


def parse_fifo_depths(items) -> dict:
    depths = {}
    for item in items:
        name, _, depth = item.rpartition("=")
        if not name or not depth.isdigit():
            raise BcnnError(f"--fifo {item}: expected PRODUCER->CONSUMER=DEPTH, e.g. "
                            "DuplicateStreams_bcnn_0->ElementwiseAdd_bcnn_0=63")
        depths[name] = int(depth)
    return depths


@main.command()
@click.argument("model", metavar="MODEL|CONFIG", type=click.Path())
@click.option("--board", default=default("board"), show_default=True, help="Target board (see build_flows/boards.yaml).")
@click.option("--folding", default=None,
              help="FINN folding-config JSON, a shipped one (tfc_w1a1, cnv_w1a1), or 'fastest': the fastest "
                   "folding within the board's budget by FINN+'s estimates (see --lut-cap).")
@click.option("--lut-cap", default=default("lut_cap"), show_default=True, type=float,
              help="With --folding fastest: the share of the board's LUTs the design may use.")
@click.option("--target-fps", default=None, type=float, help="Fold for this frame rate instead.")
@click.option("--clock-ns", default=None, type=float, help="Clock period; default: the board's.")
@click.option("--input-mean", default=None, metavar="M1,M2,..",
              help="The model was trained on normalised inputs (torchvision Normalize): per-channel mean of "
                   "pixels / 255 (one value or one per channel); folded into the accelerator's first thresholds.")
@click.option("--input-std", default=None, metavar="S1,S2,..", help="... and per-channel standard deviation.")
@click.option("--verify-samples", default=default("verify_samples"), show_default=True, type=int, help="Inputs checked after every step.")
@click.option("--backend", default=default("backend"), show_default=True, type=click.Choice(["rtl", "hls"]),
              help="rtl: bcnn's RTL where FINN+ has only HLS (simulable); hls: FINN+'s HLS layers.")
@click.option("--fifo-depth", default=default("fifo_depth"), show_default=True, type=int, help="Minimum depth of the FIFOs between layers.")
@click.option("--fifo", "fifos", multiple=True, metavar="PRODUCER->CONSUMER=DEPTH",
              help="Set one FIFO's depth (names as in rtl/stitch.json fifo_names), e.g. a shortcut's; repeatable.")
@click.option("--outputs", default=",".join(default("outputs")), show_default=True,
              help="Comma-separated: estimates, rtl, sim (Verilator vs python, sim/report.json), synth (Yosys "
                   "synthesis, report/synth.json); vendor tier: "
                   "hls, ip, bitfile (need Vivado/Vitis: without them the build writes everything else and "
                   "names the tool), deploy (build/X/deploy/ for a board).")
@click.option("--batch", default=default("batch"), show_default=True, type=int, help="deploy/bitfile: frames per DMA transfer.")
@click.option("--dataset", default=None, help="deploy: ship this dataset's test images (digits, mnist, ...).")
@click.option("--board-files", default=None, type=click.Path(),
              help="bitfile: Vivado board-files directory (Pynq-Z1/Z2 are not built into Vivado).")
@click.option("--out", default=None, type=click.Path(), help="Build directory (required with a MODEL).")
def build(model, board, folding, lut_cap, target_fps, clock_ns, input_mean, input_std, verify_samples, backend, fifo_depth,
          fifos, outputs, batch, dataset, board_files, out):
    """Compile a QONNX MODEL with FINN+ into a dataflow design: estimates and HLS/RTL sources.

    Instead of a model, a build CONFIG (.yaml, as written to build/X/build.yaml) may be given;
    options given on the command line override its values."""
    from build_flows.config import BuildConfig
    from build_flows.flow import run_build
    from build_flows.analysis.report import estimates_table, load_estimates, load_shortcuts, load_synth, shortcuts_line
    from build_flows.vendor.pending import VendorOutputsMissing

    options = dict(out=out, board=board, clock_ns=clock_ns, folding=folding, lut_cap=lut_cap, target_fps=target_fps,
                   input_mean=input_mean, input_std=input_std, verify_samples=verify_samples, backend=backend, fifo_depth=fifo_depth,
                   fifo_depths=parse_fifo_depths(fifos), outputs=outputs, batch=batch, dataset=dataset,
                   board_files=board_files)
    if model.endswith((".yaml", ".yml")):
        ctx = click.get_current_context()
        given = {k: v for k, v in options.items()
                 if ctx.get_parameter_source("fifos" if k == "fifo_depths" else k) == ParameterSource.COMMANDLINE}
        cfg = BuildConfig.load(Path(model))
        cfg = BuildConfig(**{**asdict(cfg), **given}) if given else cfg
    else:
        if out is None:
            raise BcnnError("--out is required when building a MODEL (a build CONFIG names its own out)")
        cfg = BuildConfig(model=model, **options)
    pending = None
    try:
        path = run_build(cfg, keep_failed=click.get_current_context().find_root().params["debug"])
    except VendorOutputsMissing as exc:  # complete but for vendor outputs (tools missing, or failed): show it, say so
        path, pending = exc.build_dir, exc
    est = load_estimates(path)
    print_table(estimates_table(est, load_synth(path)))
    if (target := est.get("target")) and not target["met"]:
        click.echo(f"--target-fps {target['fps']:,.0f} not reached: {target['fps_reached']:,.0f} FPS on the board; "
                   f"{target['limit']}", err=True)
    if shortcuts := load_shortcuts(path):
        click.echo(shortcuts_line(shortcuts))
    click.echo(f"build written to {path}")
    if pending:
        raise pending


@main.command()
@click.argument("build_dir", type=click.Path())
@click.option("--jobs", default=None, type=int, help="Parallel Yosys runs [default: one per core].")
@click.option("--layers-only", is_flag=True,
              help="Skip the whole top (large designs): the totals are the layers' and FIFOs' sums (a little "
                   "above the whole top's), the longest path the slowest part's.")
def synth(build_dir, jobs, layers_only):
    """Synthesize a build's RTL with open-source Yosys for its board's family: every layer, every FIFO
    configuration and the whole top; report/synth.json beside FINN+'s estimates."""
    from build_flows.analysis.report import estimates_table, load_estimates
    from build_flows.synth.design import synthesize_build

    if jobs is not None and jobs < 1:
        raise BcnnError(f"--jobs must be at least 1, got {jobs}")
    report = synthesize_build(build_dir, parallel=jobs, whole=not layers_only)
    print_table(estimates_table(load_estimates(Path(build_dir)), report))
    click.echo(f"report: {Path(build_dir) / 'report' / 'synth.json'}")


@main.command()
@click.argument("build_dir", type=click.Path())
@click.option("--frames", default=4, show_default=True, type=int, help="Frames to stream through the design.")
@click.option("--input", "input_npy", default=None, type=click.Path(), help=".npy of integer pixels (N, ...); default random.")
@click.option("--backpressure", is_flag=True, help="Randomly stall input valid and output ready.")
@click.option("--probe", default="all", show_default=True, type=click.Choice(["all", "last"]),
              help="all: compare every layer's output stream; last: only the accelerator's output (long runs).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--fifo", "fifos", multiple=True, metavar="PRODUCER->CONSUMER=DEPTH",
              help="Hold one FIFO at DEPTH words (at most its stitched depth) in this run, without compiling "
                   "again; repeatable.")
def sim(build_dir, frames, input_npy, backpressure, probe, seed, fifos):
    """Simulate the stitched RTL cycle by cycle (Verilator) and check every stream against the
    python execution of the dataflow graph."""
    from build_flows.sim.gating import gate_line
    from build_flows.sim.simulate import simulate

    r = simulate(build_dir, frames=frames, input_npy=input_npy, backpressure=backpressure, seed=seed, probe=probe,
                 fifo_caps=parse_fifo_depths(fifos))
    ratio = f" ({r['cycles_vs_analytic']:.4f} x analytic {r['analytic_cycles_per_frame']:.0f})" if r["cycles_per_frame"] else ""
    fps = ""
    if r["fps_at_clock"]:
        pipeline = r.get("pipeline_fps_at_clock") or r["fps_at_clock"]
        bound = f", bounded by the data movement (the pipeline: {pipeline:,.0f})" if r["fps_at_clock"] < pipeline else ""
        fps = f" = {r['fps_at_clock']:,.0f} FPS on the board{bound}"
    click.echo(f"{r['frames']} frames, {len(r['streams'])} stream(s) compared, bit_exact={r['bit_exact']}, "
               f"cycles/frame={r['cycles_per_frame']}{ratio}{fps}, latency={r['latency_cycles']} cycles, "
               f"{r['sim_cycles_per_second'] or 0:,.0f} simulated cycles/s; report: {Path(build_dir) / 'sim' / 'report.json'}")
    per_frame = {k: f"{1e3 * r[k] / r['frames']:.2f} ms" for k in
                 ("sim_seconds", "reference_seconds", "run_seconds", "compare_seconds", "stimulus_seconds")}
    click.echo(f"time per frame: Verilator {per_frame['sim_seconds']} and python reference "
               f"{per_frame['reference_seconds']} side by side ({per_frame['run_seconds']} together), "
               f"comparison {per_frame['compare_seconds']}, input packing {per_frame['stimulus_seconds']} "
               f"(+ Verilator build {r['verilator_build_seconds']:.1f} s, 0 when cached)")
    if r["fractional_gating"]:
        click.echo(f"FracBNN gates on these frames: {gate_line(r['fractional_gating'])}")
    if not r["bit_exact"]:
        where = ""
        if r["first_mismatch"]:
            where = f"; first difference at {r['first_mismatch']['where']}"
        if r["streams_with_lost_or_extra_beats"]:
            where += f"; lost or extra beats on {', '.join(r['streams_with_lost_or_extra_beats'])}"
        raise BcnnError(f"{r['mismatches']} of {r['frames']} frames differ from the python execution{where} "
                        "(see sim/report.json)")


@main.command("fold-search")
@click.argument("model", type=click.Path())
@click.option("--board", default=default("board"), show_default=True, help="Target board (see build_flows/boards.yaml).")
@click.option("--clock-ns", default=None, type=float, help="Clock period; default: the board's.")
@click.option("--lut-cap", default=default("lut_cap"), show_default=True, type=float, help="Share of the board's LUTs, synthesized.")
@click.option("--rounds", default=3, show_default=True, type=int, help="Build-and-synthesize rounds at most.")
@click.option("--out", required=True, type=click.Path(), help="Search directory (round<k>/ builds, fold_search.json).")
def fold_search_command(model, board, clock_ns, lut_cap, rounds, out):
    """The fastest folding of MODEL that fits the board by Yosys synthesis: --folding fastest with
    FINN+'s LUT estimates rescaled, round by round, to what synthesis made of the last design."""
    from build_flows.atomic import write_json
    from build_flows.config import BuildConfig
    from build_flows.explore.fold_by_synthesis import fold_search

    if rounds < 1:
        raise BcnnError(f"--rounds must be at least 1, got {rounds}")
    cfg = BuildConfig(model=model, out=out, board=board, clock_ns=clock_ns, folding="fastest", lut_cap=lut_cap,
                      outputs=["estimates", "rtl", "synth"])
    (Path(out) / "fold_search.json").unlink(missing_ok=True)  # a failed search leaves no older result behind
    result = fold_search(cfg, rounds=rounds, console=console)
    write_json(Path(out) / "fold_search.json", result)
    for r in result["rounds"]:
        click.echo(f"round {r['round']}: {r['cycles_per_frame']:,} cycles/frame ({r['fps_at_clock']:,.0f} FPS), "
                   f"LUT {r['lut_synthesized']:,} synthesized / {r['lut_estimated']:,} estimated, BRAM18 "
                   f"{r['bram_18k_synthesized']}, proxy period {r['proxy_period_ns']:.2f} ns, fits: {r['fits']}"
                   + ("" if r["fits"] else f" ({'; '.join(r['over_budget'])})"))
    if result["best"] is None:
        raise BcnnError(f"no round fit {board} at --lut-cap {lut_cap} by synthesis and the timing proxy; see "
                        f"{Path(out) / 'fold_search.json'}")
    click.echo(f"fastest that fits: {result['best']['build']} ({result['best']['fps_at_clock']:,.0f} FPS)")


@main.command("size-fifos")
@click.argument("build_dir", type=click.Path())
@click.option("--frames", default=6, show_default=True, type=int, help="Frames per simulation.")
def size_fifos_command(build_dir, frames):
    """Size every FIFO by simulation: the smallest depths that keep the simulated frame interval,
    bit-exact and deadlock-free under backpressure (shortcuts keep their computed depth).
    Writes report/fifo_sizing.json and BUILD_DIR/fifo_sized.yaml (`bcnn build` it)."""
    from build_flows.explore.fifo_sizing import size_fifos

    if not (Path(build_dir) / "rtl" / "stitch.json").is_file():
        raise BcnnError(f"{build_dir}: no stitched RTL (rtl/stitch.json); build with the rtl backend first")
    r = size_fifos(build_dir, frames=frames)
    bits = r["fifo_bits"]
    click.echo(f"FIFO bits {bits['stitched']:,} -> {bits['sized']:,} ({bits['sized'] / bits['stitched']:.1%}); "
               f"cycles/frame {r['cycles_per_frame_stitched']:.0f} -> {r['cycles_per_frame_sized']:.0f} "
               f"(analytic {r['analytic_cycles_per_frame']:.0f}); {len(r['rounds'])} simulation round(s)")
    click.echo(f"sized build config: {Path(build_dir) / 'fifo_sized.yaml'} (bcnn build it); "
               f"report: {Path(build_dir) / 'report' / 'fifo_sizing.json'}")


@main.command()
@click.argument("build_dir", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print estimates.json and synth.json instead of a table.")
def report(build_dir, as_json):
    """Per-layer cycles, PE/SIMD and resources of a build (estimated, and synthesized after
    `bcnn synth`) against the board's budget, plus report/cycles.png and report/resources.png."""
    from build_flows.analysis.report import (estimates_table, load_estimates, load_shortcuts, load_synth, plot_cycles,
                                    plot_resources, shortcuts_line)

    est = load_estimates(Path(build_dir))
    synthesized = load_synth(Path(build_dir))
    shortcuts = load_shortcuts(Path(build_dir))
    pngs = [plot_cycles(est, Path(build_dir) / "report" / "cycles.png")]
    if synthesized:
        pngs.append(plot_resources(est, synthesized, Path(build_dir) / "report" / "resources.png"))
    if as_json:
        click.echo(json.dumps({"estimates": est, "synth": synthesized, "shortcuts": shortcuts}, indent=2))
    else:
        print_table(estimates_table(est, synthesized))
        if shortcuts:
            click.echo(shortcuts_line(shortcuts))
        click.echo(f"charts: {', '.join(map(str, pngs))}")


@main.command()
@click.argument("build_dir", type=click.Path())
@click.option("--host", required=True, help="The board: USER@ADDRESS, e.g. xilinx@192.168.2.99.")
@click.option("--dest", default=None, help="Folder on the board [default: /home/xilinx/jupyter_notebooks/bcnn].")
@click.option("--port", default=22, show_default=True, type=int, help="ssh port.")
@click.option("--dry-run", is_flag=True, help="Print the ssh/scp commands instead of running them.")
def deploy(build_dir, host, dest, port, dry_run):
    """Copy BUILD_DIR/deploy/ (bitfile, driver, notebook, test images) to a PYNQ board over ssh."""
    import shlex

    from build_flows.deploy.remote import board_folder, deploy_commands, run_commands

    commands = deploy_commands(Path(build_dir), host, dest, port)
    if dry_run:
        click.echo("\n".join(shlex.join(c) for c in commands))
        return
    run_commands(commands)
    click.echo(f"deployed to {host}:{board_folder(Path(build_dir), dest)}; open deploy_and_run.ipynb in the board's Jupyter")


@main.command()
@click.option("--board", default="Pynq-Z2", show_default=True, help="The board whose bitfile output to check for.")
@click.option("--board-files", default=None, type=click.Path(), help="A Vivado board-files directory to look in.")
def doctor(board, board_files):
    """Check this machine for the vendor tier: Vivado/Vitis version and path, board files, licence
    variables, XRT and the platform (Alveo), Docker. Exit status 0: ready for the board's
    bitfile output; 1: something it needs is missing (marked MISSING); 2: a bad option."""
    from build_flows.vendor.doctor import report_lines, run_checks

    checks = run_checks(board, board_files)
    click.echo("\n".join(report_lines(board, checks)))
    click.get_current_context().exit(0 if all(c.found for c in checks if c.needed) else 1)


@main.command()
@click.option("--out", default="runs/demo", show_default=True, type=click.Path())
@click.option("--epochs", default=10, show_default=True, type=int)
def demo(out, epochs):
    """The main job: train TFC-w1a1 on MNIST, export, build for Pynq-Z1, simulate the RTL, report."""
    from .demo import run_demo

    run_demo(Path(out), epochs)


main.add_command(sweep)

if __name__ == "__main__":
    main()
