"""Benchmark: `bcnn sim` of the full cnv_w1a1 accelerator (finn-examples folding) against FINN+'s
python execution of the same model and frames, in one run on one machine.

Measures: cold Verilator build (empty cache) and cached rebuild; for `--frames` frames, the whole
`bcnn sim` command (a subprocess, as a user runs it: every stream compared, and with --probe last)
split into Verilator, python reference and input packing; simulated cycles per second; and FINN+'s
python execution (qonnx execute_onnx of the dataflow graph, the way FINN+ verifies a build) of the
same frames. Each side runs once on one frame first, so one-time imports are not counted. Writes
results.json, results.md and sim_speed.png beside this file.

    .venv/bin/python bench/sim_speed/run.py [--frames 100]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from qonnx.core.modelwrapper import ModelWrapper  # noqa: E402
from qonnx.core.onnx_exec import execute_onnx  # noqa: E402

from build_flows.config import BuildConfig  # noqa: E402
from build_flows.finn_env import generic_view  # noqa: E402
from build_flows.flow import run_build  # noqa: E402
from build_flows.sim.simulate import load_frames, simulate  # noqa: E402
from build_flows.sim.streams import dataflow_input  # noqa: E402
from models.export import export_model  # noqa: E402
from models.random_init import random_model  # noqa: E402

HERE = Path(__file__).parent
BCNN = Path(sys.executable).parent / "bcnn"
GOAL_CYCLES_PER_SECOND = 2e6


def finn_python_seconds(build: Path, frames: int) -> tuple[float, np.ndarray]:
    """FINN+'s python execution of the dataflow graph, one execute_onnx per frame (as FINN+'s
    verification runs it); -> (seconds for all frames, output codes)."""
    model, view = ModelWrapper(str(build / "model.onnx")), generic_view(ModelWrapper(str(build / "dataflow.onnx")))
    pixels = load_frames(model, frames, None, 0, 255.0)  # the frames `bcnn sim --seed 0` streams
    inputs = [dataflow_input(model, frame) for frame in pixels]
    name, out = view.graph.input[0].name, view.graph.output[0].name
    execute_onnx(view, {name: inputs[0]})  # warm-up, not timed
    start = time.perf_counter()
    outputs = [execute_onnx(view, {name: x})[out] for x in inputs]
    return time.perf_counter() - start, np.concatenate(outputs)


def bcnn_sim(build: Path, frames: int, probe: str) -> tuple[float, dict]:
    """`bcnn sim BUILD --frames N --probe P` as a user runs it: (wall seconds, sim/report.json)."""
    start = time.perf_counter()
    subprocess.run([str(BCNN), "sim", str(build), "--frames", str(frames), "--probe", probe], check=True,
                   capture_output=True)
    return time.perf_counter() - start, json.loads((build / "sim" / "report.json").read_text())


def main(frames: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        export_model(random_model("cnv_w1a1"), tmp / "cnv.onnx")
        out = run_build(BuildConfig(model=str(tmp / "cnv.onnx"), out=str(tmp / "build"), folding="cnv_w1a1"),
                        show_progress=False)
        cold = simulate(out, frames=1, cache=tmp / "cache")  # empty cache: full Verilator build
        warm = simulate(out, frames=1, cache=tmp / "cache")  # same design: cache hit
        python_seconds, python_out = finn_python_seconds(out, frames)
        bcnn_sim(out, 1, "all")  # warm-up: the default cache's binary, imports
        runs = {}
        for probe in ("all", "last"):
            seconds, report = bcnn_sim(out, frames, probe)
            runs[probe] = {"command_seconds": round(seconds, 2), "verilator_seconds": report["sim_seconds"],
                           "reference_seconds": report["reference_seconds"],
                           "verilator_and_reference_seconds": report["run_seconds"],
                           "comparison_seconds": report["compare_seconds"],
                           "packing_seconds": report["stimulus_seconds"],
                           "sim_cycles_per_second": report["sim_cycles_per_second"], "bit_exact": report["bit_exact"],
                           "labels_equal_finn_python": report["labels_sim"] == python_out.reshape(frames, -1).tolist()}
        result = {
            "design": "cnv_w1a1, finn-examples folding, Pynq-Z1 @ 100 MHz (random init, per-channel norms)",
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "frames": frames,
            "cold_build_seconds": cold["verilator_build_seconds"],
            "cached_build_seconds": warm["verilator_build_seconds"],
            "simulated_cycles_per_frame": report["cycles_per_frame"],
            "analytic_cycles_per_frame": report["analytic_cycles_per_frame"],
            "total_cycles": report["total_cycles"],
            "finn_python_seconds": round(python_seconds, 2),
            "bcnn_sim": runs,
            "speedup_vs_finn_python": {p: round(python_seconds / r["command_seconds"], 2) for p, r in runs.items()},
            "goal_cycles_per_second": GOAL_CYCLES_PER_SECOND,
        }
    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    write_report(result)
    return result


def write_report(r: dict) -> None:
    lines = [f"{r['design']}; {r['frames']} frames; {r['machine']}.", "",
             "| | wall (s) | Verilator (s) | reference (s) | both, side by side (s) | comparison (s) | packing (s) "
             "| M cycles/s | bit-exact | vs FINN+ python |",
             "|---|---|---|---|---|---|---|---|---|---|",
             f"| FINN+ python execution (execute_onnx per frame) | {r['finn_python_seconds']:.2f} | | | | | | | | 1.00x |"]
    for probe, run in r["bcnn_sim"].items():
        lines.append(f"| `bcnn sim --probe {probe}` | {run['command_seconds']:.2f} | {run['verilator_seconds']:.2f} | "
                     f"{run['reference_seconds']:.2f} | {run['verilator_and_reference_seconds']:.2f} | "
                     f"{run['comparison_seconds']:.2f} | {run['packing_seconds']:.2f} | "
                     f"{run['sim_cycles_per_second'] / 1e6:.2f} | {run['bit_exact']} | "
                     f"{r['speedup_vs_finn_python'][probe]:.2f}x |")
    lines += ["", f"Simulated {r['simulated_cycles_per_frame']:,.0f} cycles/frame (analytic "
              f"{r['analytic_cycles_per_frame']:,}); {r['total_cycles']:,} cycles in all. Verilator build: "
              f"{r['cold_build_seconds']:.1f} s cold, {r['cached_build_seconds']:.2f} s cached. Goal: "
              f"{r['goal_cycles_per_second'] / 1e6:.0f} M simulated cycles/s, and `bcnn sim` of the frames faster "
              "than FINN+'s python execution of them. The python reference (FINN+'s node executors, one BLAS "
              "thread) runs while Verilator runs in its own process and keeps a digest per frame and stream; the "
              "recorded streams are compared with the digests after the run. `bcnn sim`'s wall time also "
              "includes starting Python (about 2.3 s importing FINN+'s custom ops) and loading the build."]
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.4))
    names = ["FINN+ python"] + [f"bcnn sim\n--probe {p}" for p in r["bcnn_sim"]]
    ax[0].bar(names[:1], [r["finn_python_seconds"]], color="tab:gray")
    bottom = np.zeros(len(r["bcnn_sim"]))
    for part, color in (("verilator_and_reference_seconds", "tab:blue"), ("comparison_seconds", "tab:orange"),
                        ("packing_seconds", "tab:green")):
        values = np.array([run[part] for run in r["bcnn_sim"].values()])
        ax[0].bar(names[1:], values, bottom=bottom, color=color,
                  label=part.replace("_seconds", "").replace("_and_", " + ").replace("_", " "))
        bottom += values
    rest = np.array([run["command_seconds"] for run in r["bcnn_sim"].values()]) - bottom
    ax[0].bar(names[1:], rest, bottom=bottom, color="tab:purple", label="start-up, loading")
    ax[0].set(ylabel="seconds", title=f"{r['frames']} cnv_w1a1 frames")
    ax[0].legend(fontsize=7)
    ax[1].bar([f"--probe {p}" for p in r["bcnn_sim"]] + ["goal"],
              [run["sim_cycles_per_second"] / 1e6 for run in r["bcnn_sim"].values()]
              + [r["goal_cycles_per_second"] / 1e6], color=["tab:blue"] * len(r["bcnn_sim"]) + ["tab:gray"])
    ax[1].set(ylabel="M simulated cycles / s", title="Verilator")
    fig.tight_layout()
    fig.savefig(HERE / "sim_speed.png", dpi=100)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=100)
    print(json.dumps(main(parser.parse_args().frames), indent=2))
