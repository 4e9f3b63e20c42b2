"""Benchmark: trained FracBNN models in hardware. Each (thermometer input, fractional 2-bit
activations with the trained gate) is trained, exported, built for the Pynq-Z1 (default folding),
simulated on test images with every stream compared (with and without backpressure), and
synthesized with Yosys. Reported per fractional unit: the outputs that needed the LSB pass on
these images, its cycles per frame against a plain 2-bit unit on the same binary lanes, and the
design's simulated cycles against the analytic number for the images' gate pattern.

Writes results.json, results.md and fracbnn.png beside this file.

    .venv/bin/python bench/fracbnn/run.py [--frames 20] [--jobs 2] [--only MODEL:DATASET ...]

`--only` runs those cases and keeps the other rows of results.json; `--only none` only redraws.
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
# (model, dataset, epochs)
CASES = [("tfc_w1a1", "mnist", 20), ("tfc_w1a1", "fashion_mnist", 20), ("sfc_w1a1", "mnist", 10),
         ("lfc_w1a1", "mnist", 5), ("resnet_small", "mnist", 3)]


def run_case(tmp: Path, name: str, dataset: str, epochs: int, frames: int, jobs: int) -> dict:
    row, sim, build = measure_design(tmp, TrainConfig(name, dataset, "", epochs=epochs, method="fracbnn"), frames, jobs)
    estimates = json.loads((build / "report" / "estimates.json").read_text())
    row["worst_case_cycles_per_frame"] = estimates["analytic_cycles_per_frame"]
    row["fractional_units"] = sim["fractional_gating"]["layers"]
    return row


def units_cell(row: dict) -> str:
    return "<br>".join(f"{u['layer']}: {100 * (1 - u['lsb_skipped_fraction']):.1f} % LSB, {u['cycles_per_frame']:.0f} "
                       f"vs {u['plain_2bit_cycles_per_frame']} cycles" for u in row["fractional_units"])


def main(frames: int, jobs: int, only: list | None = None) -> list:
    path = HERE / "results.json"
    measured = {(r["model"], r["dataset"]): r for r in json.loads(path.read_text())} if path.is_file() else {}
    order = [(name, dataset) for name, dataset, _ in CASES]
    for name, dataset, epochs in CASES:
        if only is not None and f"{name}:{dataset}" not in only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            measured[name, dataset] = run_case(Path(tmp), name, dataset, epochs, frames, jobs)
            print(measured[name, dataset], flush=True)
        # each case kept as soon as it is measured
        path.write_text(json.dumps([measured[k] for k in order if k in measured], indent=2) + "\n")
    rows = [measured[k] for k in order if k in measured]
    path.write_text(json.dumps(rows, indent=2) + "\n")
    head = ("| model | dataset | epochs | test acc. (%) | bit-exact (frames, streams) | backpressure | fractional units "
            "(outputs with an LSB pass; cycles/frame vs a plain 2-bit unit) | sim / analytic cycles (worst case) | "
            "FPS @ 100 MHz | LUT | FF | BRAM18 | levels | fits Pynq-Z1 |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    body = "".join(
        f"| {r['model']} | {r['dataset']} | {r['epochs']} | {100 * r['test_accuracy']:.2f} | "
        f"{r['bit_exact'] and r['labels_equal_torch']} ({r['sim_frames']}, {r['streams_compared']}) | "
        f"{r['backpressure_bit_exact']} | {units_cell(r)} | {r['simulated_cycles_per_frame']:.0f} / "
        f"{r['analytic_cycles_per_frame']:.0f} = {r['cycles_vs_analytic']:.4f} ({r['worst_case_cycles_per_frame']}) | "
        f"{r['fps_at_100mhz']:.0f} | {r['synth']['lut_total']} | {r['synth']['ff']} | {r['synth']['bram_18k']} | "
        f"{r['synth']['logic_levels']} | {r['fits_pynq_z1']} |\n" for r in rows)
    (HERE / "results.md").write_text(head + body)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for r in rows:
        ax.scatter(r["synth"]["lut_total"], 100 * r["test_accuracy"], s=40 + r["synth"]["bram_18k"] * 2)
        ax.annotate(f"{r['model']} {r['dataset']}\n{r['fps_at_100mhz']:.0f} FPS", (r["synth"]["lut_total"],
                    100 * r["test_accuracy"]), fontsize=8, xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel("synthesized LUT (Yosys, xc7z020); marker size ~ BRAM18")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("FracBNN in hardware, bit-exact in simulation")
    fig.tight_layout()
    fig.savefig(HERE / "fracbnn.png", dpi=100)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="MODEL:DATASET cases to run (the others keep their rows)")
    args = parser.parse_args()
    main(args.frames, args.jobs, args.only)
