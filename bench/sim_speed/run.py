"""Benchmark: Verilator simulation of the full cnv_w1a1 accelerator (finn-examples folding).

Measures, in one run on one machine: cold Verilator build (empty cache), cached rebuild (content
hash hit), simulated cycles per second and frames per second for a frame stream, and the
simulated cycles per frame against FINN+'s analytic bound. Writes results.json, results.md and
sim_speed.png beside this file.

    .venv/bin/python bench/sim_speed/run.py [--frames 30]
"""
import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from build_flows.config import BuildConfig  # noqa: E402
from build_flows.flow import run_build  # noqa: E402
from build_flows.sim.simulate import simulate  # noqa: E402
from models.export import export_model  # noqa: E402
from models.random_init import random_model  # noqa: E402

HERE = Path(__file__).parent


def main(frames: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        export_model(random_model("cnv_w1a1"), tmp / "cnv.onnx")
        out = run_build(BuildConfig(model=str(tmp / "cnv.onnx"), out=str(tmp / "build"), folding="cnv_w1a1"),
                        show_progress=False)
        cold = simulate(out, frames=frames, cache=tmp / "cache")  # empty cache: full Verilator build
        warm = simulate(out, frames=frames, cache=tmp / "cache")  # same design: cache hit
        t0 = time.perf_counter()
        simulate(out, frames=frames, cache=tmp / "cache")
        end_to_end = time.perf_counter() - t0
    result = {
        "design": "cnv_w1a1, finn-examples folding, Pynq-Z1 @ 100 MHz (random init, per-channel norms)",
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
        "frames": frames,
        "bit_exact": cold["bit_exact"] and warm["bit_exact"],
        "cold_build_seconds": cold["verilator_build_seconds"],
        "cached_build_seconds": warm["verilator_build_seconds"],
        "sim_cycles_per_second": warm["sim_cycles_per_second"],
        "sim_frames_per_second": frames / warm["sim_seconds"],
        "simulated_cycles_per_frame": warm["cycles_per_frame"],
        "analytic_cycles_per_frame": warm["analytic_cycles_per_frame"],
        "cached_sim_command_seconds": round(end_to_end, 2),
    }
    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    rows = [(k, f"{v:,.2f}" if isinstance(v, float) else str(v)) for k, v in result.items()]
    (HERE / "results.md").write_text("| metric | value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows))
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.2))
    ax[0].bar(["cold build", "cached build"], [result["cold_build_seconds"], result["cached_build_seconds"]])
    ax[0].set_ylabel("seconds")
    ax[0].set_title("Verilator build of the stitched top")
    ax[1].bar(["simulated", "goal"], [result["sim_cycles_per_second"] / 1e6, 1.0], color=["tab:blue", "tab:gray"])
    ax[1].set_ylabel("M cycles / s")
    ax[1].set_title(f"simulation speed ({frames} frames)")
    fig.tight_layout()
    fig.savefig(HERE / "sim_speed.png", dpi=100)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=30)
    print(json.dumps(main(parser.parse_args().frames), indent=2))
