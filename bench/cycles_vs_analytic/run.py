"""Benchmark: simulated vs analytic cycles per frame for every baseline model (random init) at the
default folding, plus the finn-examples foldings, on the stitched RTL in Verilator.

Writes results.json, results.md and ratio.png beside this file.

    .venv/bin/python bench/cycles_vs_analytic/run.py [--frames 3]
"""
import argparse
import json
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from build_flows.config import BuildConfig  # noqa: E402
from build_flows.flow import run_build  # noqa: E402
from build_flows.sim.simulate import simulate  # noqa: E402
from models.export import export_model  # noqa: E402
from models.random_init import random_model  # noqa: E402
from models.names import BNN_PYNQ_MODELS  # noqa: E402

HERE = Path(__file__).parent
CASES = [(name, None) for name in BNN_PYNQ_MODELS] + [("tfc_w1a1", "tfc_w1a1"), ("cnv_w1a1", "cnv_w1a1")]


def main(frames: int) -> list:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, folding in CASES:
            onnx_path = tmp / f"{name}.onnx"
            if not onnx_path.exists():
                export_model(random_model(name), onnx_path)
            out = run_build(BuildConfig(model=str(onnx_path), out=str(tmp / f"{name}-{folding}"), folding=folding),
                            show_progress=False)
            r = simulate(out, frames=frames)
            rows.append({"model": name, "folding": folding or "default (1000 FPS target)", "bit_exact": r["bit_exact"],
                         "analytic_cycles_per_frame": r["analytic_cycles_per_frame"],
                         "simulated_cycles_per_frame": r["cycles_per_frame"], "ratio": r["cycles_vs_analytic"],
                         "latency_cycles": r["latency_cycles"], "sim_cycles_per_second": round(r["sim_cycles_per_second"])})
            print(rows[-1], flush=True)
    (HERE / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    head = "| model | folding | bit-exact | analytic | simulated | ratio | latency |\n|---|---|---|---|---|---|---|\n"
    body = "".join(f"| {r['model']} | {r['folding']} | {r['bit_exact']} | {r['analytic_cycles_per_frame']} | "
                   f"{r['simulated_cycles_per_frame']:.0f} | {r['ratio']:.4f} | {r['latency_cycles']} |\n" for r in rows)
    (HERE / "results.md").write_text(head + body)
    fig, ax = plt.subplots(figsize=(9, 3.5))
    labels = [f"{r['model']}{'*' if r['folding'].startswith(r['model']) else ''}" for r in rows]
    ax.bar(labels, [r["ratio"] for r in rows])
    ax.axhline(1.02, color="tab:red", linestyle="--", label="+2 %")
    ax.set_ylim(0.9, 1.1)
    ax.set_ylabel("simulated / analytic cycles per frame")
    ax.set_title("stitched RTL in Verilator (* = finn-examples folding)")
    ax.tick_params(axis="x", rotation=45)
    ax.legend()
    fig.tight_layout()
    fig.savefig(HERE / "ratio.png", dpi=100)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=3)
    main(parser.parse_args().frames)
