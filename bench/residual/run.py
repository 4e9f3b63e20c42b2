"""Benchmark: trained residual (Bi-Real / IR-Net / DGRL with SI / SoFAr RF-ResNet and DRF-DenseNet) models in hardware. Each is trained on MNIST,
exported, built for the Pynq-Z1 (default folding), simulated on test images with every stream
compared (with and without backpressure), and synthesized with Yosys; its shortcut FIFOs are
reported (computed depth, deadlock-free depth, memory).

Writes results.json, results.md and residual.png beside this file.

    .venv/bin/python bench/residual/run.py [--frames 20] [--jobs 2] [--only MODEL:METHOD ...]

`--only` reruns those cases and keeps the other rows of results.json.
"""
import argparse
import json
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from build_flows.explore.design_point import measure_design  # noqa: E402
from models.train import TrainConfig  # noqa: E402

HERE = Path(__file__).parent
# (model, method, epochs): the residual methods that map to hardware today
CASES = [("tfc_w1a1", "bireal", 20), ("resnet_small", "bireal", 3), ("resnet_small", "irnet", 3),
         ("resnet_small", "dgrl", 3), ("rf_resnet_small", "sofar", 3), ("drf_densenet_small", "sofar", 3)]


def run_case(tmp: Path, name: str, method: str, epochs: int, frames: int, jobs: int) -> dict:
    row, _, build = measure_design(tmp, TrainConfig(name, "mnist", "", epochs=epochs, method=method), frames, jobs)
    info = json.loads((build / "rtl" / "stitch.json").read_text())
    row["shortcuts"] = [{k: s[k] for k in ("fifo", "depth", "deadlock_free_depth", "lead_elements", "width", "bits")}
                        for s in info["shortcuts"]]
    row["shortcut_fifo_bits"] = info["shortcut_fifo_bits"]
    return row


def depths(row: dict) -> str:
    return ", ".join(f"{s['depth']}/{s['deadlock_free_depth']}" for s in row["shortcuts"])


def main(frames: int, jobs: int, only: list | None = None) -> list:
    kept = {}
    if only and (HERE / "results.json").is_file():
        kept = {(r["model"], r["method"]): r for r in json.loads((HERE / "results.json").read_text())}
    rows = []
    for name, method, epochs in CASES:
        if only and f"{name}:{method}" not in only and (name, method) in kept:
            rows.append(kept[name, method])
            continue
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(run_case(Path(tmp), name, method, epochs, frames, jobs))
            print(rows[-1], flush=True)
    (HERE / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    head = ("| model | method | epochs | MNIST test acc. (%) | bit-exact (frames, streams) | backpressure | sim / analytic "
            "cycles | FPS @ 100 MHz | shortcut FIFOs (depth / deadlock-free, bits) | LUT | FF | BRAM18 | levels |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    body = "".join(
        f"| {r['model']} | {r['method']} | {r['epochs']} | {100 * r['test_accuracy']:.2f} | "
        f"{r['bit_exact'] and r['labels_equal_torch']} ({r['sim_frames']}, {r['streams_compared']}) | "
        f"{r['backpressure_bit_exact']} | {r['cycles_vs_analytic']:.4f} | {r['fps_at_100mhz']:.0f} | "
        f"{depths(r)}, "
        f"{r['shortcut_fifo_bits']} | {r['synth']['lut_total']} | {r['synth']['ff']} | {r['synth']['bram_18k']} | "
        f"{r['synth']['logic_levels']} |\n" for r in rows)
    (HERE / "results.md").write_text(head + body)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for r in rows:
        ax.scatter(r["synth"]["lut_total"], 100 * r["test_accuracy"], s=40 + r["synth"]["bram_18k"] * 10)
        ax.annotate(f"{r['model']} {r['method']}\n{r['fps_at_100mhz']:.0f} FPS", (r["synth"]["lut_total"], 100 * r["test_accuracy"]),
                    fontsize=8, xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel("synthesized LUT (Yosys, xc7z020); marker size ~ BRAM18")
    ax.set_ylabel("MNIST test accuracy (%)")
    ax.set_title("residual and fractal BNNs in hardware, bit-exact in simulation")
    fig.tight_layout()
    fig.savefig(HERE / "residual.png", dpi=100)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="MODEL:METHOD cases to rerun (the others keep their rows)")
    args = parser.parse_args()
    main(args.frames, args.jobs, args.only)
