"""Benchmark: accuracy against speed and size for every method and topology that runs in hardware,
all from built designs (Pynq-Z1, default folding, 100 MHz): test accuracy on MNIST and
Fashion-MNIST, frames per second from cycle-accurate simulation (bit-exact on every stream) and
synthesized LUT / BRAM18 (Yosys, xc7z020). Goal: a design at >= 99.0 % on MNIST that simulates
bit-exact and fits the Pynq-Z1 by synthesis.

Rows come from the designs bench/residual and bench/fracbnn built (their results.json) and from
this benchmark's own cases (Fashion-MNIST, and longer-trained candidates for the goal: resnet_small,
and resnet_wide with twice its channels), each
trained, built, simulated and synthesized by build_flows.explore.design_point, as the others are.

Writes results.json (own cases), results.md and pareto.png beside this file.

    .venv/bin/python bench/pareto/run.py [--frames 20] [--jobs 2] [--only MODEL:METHOD:DATASET ...]

`--only` runs those own cases and keeps the other rows of results.json; `--only none` only
redraws the table and plot.
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
BENCH = HERE.parent
GOAL = 0.99
# (model, method, dataset, epochs, augment in pixels)
CASES = [("resnet_small", "irnet", "mnist", 10, 2), ("resnet_wide", "irnet", "mnist", 15, 2),
         ("resnet_small", "bireal", "fashion_mnist", 3, 0), ("resnet_small", "irnet", "fashion_mnist", 3, 0),
         ("resnet_small", "dgrl", "fashion_mnist", 3, 0), ("rf_resnet_small", "sofar", "fashion_mnist", 3, 0),
         ("drf_densenet_small", "sofar", "fashion_mnist", 3, 0)]
DATASETS = ("mnist", "fashion_mnist")


def key(row: dict) -> str:
    return f"{row['model']}:{row['method']}:{row['dataset']}:{row['epochs']}"


def borrowed_rows() -> list:
    """The designs the other benchmarks built, as rows of this one."""
    rows = []
    for name, defaults in (("residual", {"dataset": "mnist"}), ("fracbnn", {"method": "fracbnn"})):
        path = BENCH / name / "results.json"
        for row in json.loads(path.read_text()) if path.is_file() else []:
            rows.append({**defaults, "augment": 0, **row, "source": f"bench/{name}"})
    return rows


def pareto_front(rows: list) -> set:
    """Keys of the designs that fit and are bit-exact and that no other such design beats on both
    accuracy and frames per second."""
    ok = [r for r in rows if r["fits_pynq_z1"] and r["bit_exact"] and r["labels_equal_torch"]]
    return {key(r) for r in ok
            if not any(o["test_accuracy"] >= r["test_accuracy"] and o["fps_at_100mhz"] >= r["fps_at_100mhz"]
                       and (o["test_accuracy"], o["fps_at_100mhz"]) != (r["test_accuracy"], r["fps_at_100mhz"])
                       for o in ok if o["dataset"] == r["dataset"])}


def write_table(rows: list, front: set) -> None:
    head = ("| dataset | model | method | epochs (augment px) | test acc. (%) | FPS @ 100 MHz | LUT | BRAM18 | fits Pynq-Z1 "
            "| bit-exact (frames, streams) | Pareto | from |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
    body = "".join(
        f"| {r['dataset']} | {r['model']} | {r['method']} | {r['epochs']} ({r['augment']}) | {100 * r['test_accuracy']:.2f} | "
        f"{r['fps_at_100mhz']:.0f} | {r['synth']['lut_total']} | {r['synth']['bram_18k']} | {r['fits_pynq_z1']} | "
        f"{r['bit_exact'] and r['labels_equal_torch']} ({r['sim_frames']}, {r['streams_compared']}) | "
        f"{'yes' if key(r) in front else ''} | {r['source']} |\n" for r in rows)
    best = max((r for r in rows if r["dataset"] == "mnist" and key(r) in front), key=lambda r: r["test_accuracy"],
               default=None)
    goal = "no MNIST design fits and simulates bit-exact" if best is None else (
        f"best MNIST design that fits the Pynq-Z1 and simulates bit-exact: {best['model']} {best['method']}, "
        f"{100 * best['test_accuracy']:.2f} % ({'meets' if best['test_accuracy'] >= GOAL else 'below'} the "
        f"{100 * GOAL:.1f} % goal), {best['fps_at_100mhz']:.0f} FPS, {best['synth']['lut_total']} LUT, "
        f"{best['synth']['bram_18k']} BRAM18")
    (HERE / "results.md").write_text(head + body + f"\nGoal: {goal}.\n")


def plot(rows: list, front: set) -> None:
    fig, axes = plt.subplots(1, len(DATASETS), figsize=(12, 4.5))
    methods = sorted({r["method"] for r in rows})
    colors = {m: plt.cm.tab10(i) for i, m in enumerate(methods)}
    for ax, dataset in zip(axes, DATASETS):
        for i, r in enumerate(r for r in rows if r["dataset"] == dataset):
            ax.scatter(r["fps_at_100mhz"], 100 * r["test_accuracy"], s=20 + r["synth"]["lut_total"] / 100,
                       color=colors[r["method"]], edgecolors="black" if key(r) in front else "none", alpha=0.8)
            label = f"{r['model'].replace('_w1a1', '').replace('_small', '')} {r['method']} {r['epochs']} ep"
            ax.annotate(f"{label}, {r['synth']['lut_total']} LUT", (r["fps_at_100mhz"], 100 * r["test_accuracy"]),
                        fontsize=6, xytext=(6, 6 if i % 2 else -9), textcoords="offset points")
        if dataset == "mnist":
            ax.axhline(100 * GOAL, color="grey", linestyle=":", linewidth=1)
        ax.margins(x=0.25, y=0.15)
        ax.set_xlabel("frames per second at 100 MHz (simulated)")
        ax.set_ylabel(f"{dataset} test accuracy (%)")
        ax.set_title(f"{dataset}: marker area ~ LUT, outlined: Pareto front", fontsize=9)
    handles = [plt.Line2D([], [], marker="o", linestyle="", color=colors[m], label=m) for m in methods]
    fig.legend(handles=handles, loc="center right", fontsize=8)
    fig.tight_layout(rect=(0, 0, 0.9, 1))
    fig.savefig(HERE / "pareto.png", dpi=100)


def main(frames: int, jobs: int, only: list | None = None) -> list:
    own_path = HERE / "results.json"
    kept = {key(r): r for r in json.loads(own_path.read_text())} if own_path.is_file() else {}
    own = []
    for model, method, dataset, epochs, augment in CASES:
        name = f"{model}:{method}:{dataset}:{epochs}"
        if name in kept and (only is None or f"{model}:{method}:{dataset}" not in only):
            own.append(kept[name])
            continue
        if only is not None and f"{model}:{method}:{dataset}" not in only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            cfg = TrainConfig(model, dataset, "", epochs=epochs, method=method, augment=augment)
            row, _, _ = measure_design(Path(tmp), cfg, frames, jobs)
        own.append({**row, "source": "bench/pareto"})
        print(own[-1], flush=True)
        own_path.write_text(json.dumps(own, indent=2) + "\n")  # each case kept as soon as it is measured
    own_path.write_text(json.dumps(own, indent=2) + "\n")
    rows = sorted(borrowed_rows() + own, key=lambda r: (r["dataset"], -r["test_accuracy"]))
    front = pareto_front(rows)
    write_table(rows, front)
    plot(rows, front)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="MODEL:METHOD:DATASET own cases to run (the others keep their rows)")
    args = parser.parse_args()
    main(args.frames, args.jobs, args.only)
