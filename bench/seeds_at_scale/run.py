"""Benchmark: the seeds' networks at their published CIFAR-10 shape on the boards of issue #25.

For each case (network, method, board, clock, frame-rate target; random init, per-channel norms:
the hardware does not depend on training): `bcnn build --target-fps` (FINN+'s SetFolding
for the target's cycles per frame, bcnn's layers folded beside it), the design simulated cycle by
cycle under random backpressure with every stream between layers compared with FINN+'s python
execution, and synthesized with Yosys for the board's family, layer by layer (the sums, and the
slowest part's path: docs/synthesis.md): LUT / FF / BRAM18 / URAM / DSP, logic levels and the
timing proxy's period. FracBNN's network streams stand-in images (its fractional units' cycles
depend on their gates): its LSB-pass rate per unit is recorded. Beside the published points of
the issue. Writes results.json, results.md and seeds_at_scale.png beside this file.

    .venv/bin/python bench/seeds_at_scale/run.py [--only resnet20:bireal:Ultra96-V2] [--frames 2] [--keep DIR]
"""
import argparse
import json
import tempfile
import time
from pathlib import Path

import matplotlib
import numpy as np
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from build_flows.analysis.report import load_estimates, load_synth  # noqa: E402
from build_flows.config import BuildConfig  # noqa: E402
from build_flows.flow import run_build  # noqa: E402
from build_flows.sim.simulate import simulate  # noqa: E402
from build_flows.synth.design import synthesize_build  # noqa: E402
from models.data import load_dataset  # noqa: E402
from models.export import export_model  # noqa: E402
from models.random_init import random_model  # noqa: E402

HERE = Path(__file__).parent
# (network, method, board, clock in ns, frames per second asked for): ResNet-20 on the Ultra96-V2
# at 250 MHz for 10,000 FPS (FracBNN's HLS accelerator: ~2,807 FPS there) and on the KV260 at
# 200 MHz above nn2FPGA's 7,602; FracBNN's network on the Ultra96-V2 at over twice its published FPS;
# DGRL's ResNet-20 (an SI branch beside every unit of equal shape) on the KV260; SoFAr's fractal
# networks on the Pynq-Z1 at 100 MHz between FINN's CNV-w1a1 (3,020) and BNN-PYNQ's (9,150), and
# DRF-DenseNet on the Ultra96-V2 at BNN-PYNQ's rate; Bi-Real's ResNet-18 (11 M binary weights: more
# than the Zynq boards' block RAM holds, and UltraRAM holds no weights yet) on an Alveo U250 at 250 MHz
CASES = (("resnet20", "bireal", "Ultra96-V2", 4.0, 10000.0), ("resnet20", "bireal", "KV260", 5.0, 8000.0),
         ("resnet20", "fracbnn", "Ultra96-V2", 4.0, 7000.0), ("resnet20", "dgrl", "KV260", 5.0, 8000.0),
         ("rf_resnet_small", "sofar", "Pynq-Z1", 10.0, 5000.0), ("drf_densenet_small", "sofar", "Pynq-Z1", 10.0, 5000.0),
         ("drf_densenet_small", "sofar", "Ultra96-V2", 4.0, 10000.0), ("resnet18", "bireal", "U250", 4.0, 3000.0))
# SoFAr's fractal networks (bcnn's small variants) on CIFAR-10's shape instead of their 28x28 default
IN_SHAPE = {"rf_resnet_small": (3, 32, 32), "drf_densenet_small": (3, 32, 32)}
# a fractional unit's cycles depend on its input: its frames are stand-in images (CIFAR-10's shape)
STAND_IN = "fashion_mnist_32x32x3"
GATING_FRAMES = 8  # at least, for the LSB-pass rate
PUBLISHED = {"FracBNN CIFAR-10 ResNet, Ultra96-V2 @ 250 MHz (reported)": 2807,
             "nn2FPGA ResNet-20, KV260 (reported)": 7602,
             "FINN CNV-w1a1, Pynq-Z1 (finn-examples, measured)": 3020,
             "BNN-PYNQ CNV-w1a1, Pynq-Z1 (reported)": 9150}


def case_name(model: str, method: str, board: str) -> str:
    return f"{model}:{method}:{board}"


def measure(model: str, method: str, board: str, clock_ns: float, fps: float, frames: int, work: Path) -> dict:
    onnx = work / f"{model}-{method}.onnx"
    if not onnx.is_file():
        export_model(random_model(model, method=method, in_shape=IN_SHAPE.get(model)), onnx)
    start = time.perf_counter()
    out = work / f"{model}-{method}-{board}"
    if not (out / "rtl" / "stitch.json").is_file():
        run_build(BuildConfig(model=str(onnx), out=str(out), board=board, clock_ns=clock_ns, target_fps=fps,
                              outputs=["estimates", "rtl"]), show_progress=False)
    build_seconds = time.perf_counter() - start
    # per layer and FIFO (the whole top of a ResNet-20 takes Yosys over half an hour): the sums
    # and the slowest part, docs/synthesis.md
    synthesize_build(out, whole=False, show_progress=False)
    est, syn = load_estimates(out), load_synth(out)
    images = None
    if method == "fracbnn":
        frames = max(frames, GATING_FRAMES)
        test = load_dataset(STAND_IN).test
        images = torch.round(test.images[:frames] * 255).numpy().astype(np.uint8)
    sim = simulate(out, frames=frames, backpressure=True, probe="all", inputs=images)
    total, timing = syn["total"], syn["timing"]
    gating = sim["fractional_gating"]
    return {"model": model, "method": method, "board": board, "clock_ns": clock_ns, "target_fps": fps,
            # a fractional unit's gates on the simulated frames set its cycles (sim/gating.py)
            "analytic_cycles_per_frame": sim["analytic_cycles_per_frame"],
            "worst_case_cycles_per_frame": est["analytic_cycles_per_frame"],
            "simulated_cycles_per_frame": sim["cycles_per_frame"], "simulated_vs_analytic": sim["cycles_vs_analytic"],
            "bit_exact_every_stream": sim["bit_exact"], "streams_compared": len(sim["streams"]),
            "frames_simulated": frames, "backpressure": True,
            "fps_at_clock": est["fps_at_clock"], "fps_bounded_by": est["fps_bounded_by"],
            "fps_simulated": sim["fps_at_clock"],
            "target_met": est.get("target", {}).get("met"),
            "synthesis_basis": syn["basis"], "lut": total["lut_total"], "ff": total["ff"],
            "bram_18k": total["bram_18k"], "uram": total["uram"],
            "dsp": total["dsp"], "lut_estimated": est["totals"]["lut"], "budget": syn["budget"],
            "logic_levels": total["logic_levels"], "proxy_period_ns": timing["proxy_period_ns"],
            "proxy_fmax_mhz": timing["proxy_fmax_mhz"], "slowest_layer": timing["slowest_layer"],
            "fits_board": syn["fits_board"], "over_budget": syn["over_budget"],
            "inputs": f"{STAND_IN} test images" if images is not None else "random pixels",
            "lsb_pass_rate": (None if gating is None else {g["layer"]: 1 - g["lsb_skipped_fraction"]
                                                           for g in gating["layers"]}),
            "build_seconds": round(build_seconds, 1), "synth_seconds": syn["total"]["seconds"], "sim_cycles_per_second": sim["sim_cycles_per_second"]}


def recorded(results: Path) -> dict:
    return {case_name(r["model"], r["method"], r["board"]): r for r in
            (json.loads(results.read_text()) if results.is_file() else [])}


def main(only: str | None, frames: int, keep: str | None) -> list:
    results = HERE / "results.json"
    rows = recorded(results)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(keep or tmp)
        work.mkdir(parents=True, exist_ok=True)
        for model, method, board, clock_ns, fps in CASES:
            name = case_name(model, method, board)
            if only in (None, name):
                row = measure(model, method, board, clock_ns, fps, frames, work)
                rows = {**recorded(results), name: row}  # another run (--only) may have written meanwhile
                results.write_text(json.dumps(list(rows.values()), indent=2) + "\n")  # a long run keeps what it has
    return render(list(rows.values()))


def simulated_fps(row: dict) -> float:
    """Frames per second at the clock from the simulated interval (backpressure included), within
    the data movement's bound (rows written before fps_simulated was recorded: from the cycles)."""
    return row.get("fps_simulated") or min(1e9 / (row["clock_ns"] * row["simulated_cycles_per_frame"]), row["fps_at_clock"])


def render(rows: list) -> list:
    lines = ["Random-init networks at their published shape (the hardware does not depend on training), built with "
             "`--target-fps` for each board's clock. FPS: the smaller of the pipeline's rate and the board's data "
             "movement (docs/flow.md). Resources: Yosys synthesis, every layer and FIFO summed (about 5 % above a whole-top synthesis on tfc/cnv); timing: the proxy of "
             "docs/synthesis.md (logic levels costed by a per-family delay model fitted to Vivado post-route "
             "reports; not a place and route).", "",
             "| network | board @ clock | cycles/frame sim / analytic | FPS simulated (analytic) | bit-exact (streams, backpressure) | "
             "LUT / FF | BRAM18 | URAM | DSP | levels | proxy period (fmax) | fits |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        b = r["budget"]
        lines.append(
            f"| {r['model']} ({r['method']}) | {r['board']} @ {1000 / r['clock_ns']:.0f} MHz | "
            f"{r['simulated_cycles_per_frame']:,.0f} / {r['analytic_cycles_per_frame']:,.0f} ({r['simulated_vs_analytic']:.4f}x) | "
            f"{simulated_fps(r):,.0f} ({r['fps_at_clock']:,.0f}) | {r['bit_exact_every_stream']} ({r['streams_compared']}) | "
            f"{r['lut']:,} of {b['lut']:,} / {r['ff']:,} | {r['bram_18k']} of {b['bram_18k']} | {r['uram']} | {r['dsp']} | "
            f"{r['logic_levels']} | {r['proxy_period_ns']:.2f} ns ({r['proxy_fmax_mhz']:.0f} MHz) | "
            f"{r['fits_board']}{'' if r['fits_board'] else ': ' + '; '.join(r['over_budget'])} |")
    lines += ["", "Every padding layer's FIFO holds what its producer sends while it streams the border between two "
              "frames (build_flows/rtl/shortcut_depth.py padding_burst); without it ResNet-20 at 10,000 FPS simulated "
              "at 1.026x its analytic cycles (25,215, 9,915 FPS), with it 1.009x. Thresholds every channel shares (the "
              "requantization after each join) are stored once (build_flows/rtl/shared_thresholds.py): ResNet-20 went "
              "from 366 to 256 BRAM18, so the KV260 (288) takes the Ultra96-V2's design as it is; before, its build "
              "moved threshold stages to LUTs to fit (49,918 LUT). On parts with UltraRAM (KV260, U250) the FIFOs "
              "that would take block RAM are in UltraRAM (weights are not: they need run-time loading). Binary "
              "networks stream random pixels (their "
              "cycles do not depend on data); FracBNN's stream stand-in images, for the LSB-pass rate of its gates (a "
              "fractional unit that skips LSB passes takes cycles by its gates; at these foldings, one to four cycles "
              "per pass, the units run both passes, docs/flow.md). SoFAr's RF-ResNet and DRF-DenseNet are "
              "bcnn's small variants (RF: 16 and 32 channels, two fractal columns per stage; DRF: growth 8) on "
              "3x32x32 inputs, not the paper's widths. DGRL's ResNet-20 on the KV260: its SI joins' FIFOs hold one "
              "frame each (two before, at the same 1.0000x), and its FIFOs are in 53 of the 64 UltraRAMs, which "
              "leaves the block RAM to the layers (479 BRAM18 before, 209 of them FIFOs). ResNet-18's per-class "
              "correction ROMs of 1,152 and 2,304 words are block RAM (their LUT-ROM read was its longest path, "
              "4.08 ns).", ""]
    for r in rows:
        if r.get("lsb_pass_rate"):
            rates = list(r["lsb_pass_rate"].values())
            lines.append(f"- {r['model']} ({r['method']}) on {r['board']}: LSB pass on {100 * min(rates):.1f}-"
                         f"{100 * max(rates):.1f} % of the fractional units' outputs ({len(rates)} units, "
                         f"{r['frames_simulated']} frames of {r['inputs']}, random-init weights)")
    lines += ["", "Published points (other networks or accelerators; their own figures):", ""]
    lines += [f"- {k}: {v:,} FPS" for k, v in PUBLISHED.items()]
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    fig, ax = plt.subplots(figsize=(8, 3.6))
    labels = [f"{r['model']} {r['method']}\n{r['board']} {1000 / r['clock_ns']:.0f} MHz" for r in rows]
    ax.bar(labels, [simulated_fps(r) for r in rows], color=["tab:blue" if r["fits_board"] else "tab:red" for r in rows])
    for k, v in PUBLISHED.items():
        ax.axhline(v, ls="--", lw=0.8, color="gray")
        ax.text(len(rows) - 0.5, v, k.split(",")[0] + f" {v:,}", fontsize=6, va="bottom", ha="right")
    ax.set_ylabel("frames / s (simulated interval, bit-exact)")
    ax.set_title("Seeds' networks at CIFAR-10 shape (blue: fits by synthesis and timing proxy; red: does not)", fontsize=9)
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    fig.savefig(HERE / "seeds_at_scale.png", dpi=100)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default=None, help="model:method:board, e.g. resnet20:bireal:Ultra96-V2")
    parser.add_argument("--frames", type=int, default=2)
    parser.add_argument("--keep", default=None, help="keep exports and builds in this directory (reused by a rerun)")
    args = parser.parse_args()
    print(json.dumps(main(args.only, args.frames, args.keep), indent=2))
