"""Benchmark: tfc_w1a1 and cnv_w1a1 at the finn-examples foldings, synthesized with open-source
Yosys (every layer, every FIFO configuration, the whole top) for the Pynq-Z1's xc7z020, beside
FINN+'s estimates, the board's budget and BNN-PYNQ's published Pynq-Z1 build; and simulated, so
the synthesized design is shown to run at its analytic cycles per frame.

Writes results.json, results.md and synth.png beside this file.

    .venv/bin/python bench/synth/run.py [--frames 3] [--jobs 2]
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
from build_flows.synth.design import synthesize_build  # noqa: E402
from models.export import export_model  # noqa: E402
from models.random_init import random_model  # noqa: E402

HERE = Path(__file__).parent
MODELS = ("tfc_w1a1", "cnv_w1a1")
# BNN-PYNQ's CNV-w1a1 on Pynq-Z1 (published): about 26,000 LUT and 124 BRAM36 (248 BRAM18).
BNN_PYNQ_CNV = {"lut": 26000, "bram_18k": 248}
GOALS = {"bram_within": 0.20, "lut_share_of_board": 0.85}


def measure(name: str, tmp: Path, frames: int, jobs: int) -> dict:
    onnx_path = tmp / f"{name}.onnx"
    export_model(random_model(name), onnx_path)
    out = run_build(BuildConfig(model=str(onnx_path), out=str(tmp / name), folding=name), show_progress=False)
    start = time.perf_counter()
    synth = synthesize_build(out, parallel=jobs, cache=tmp / "cache", show_progress=False)
    synth_seconds = time.perf_counter() - start
    sim = simulate(out, frames=frames)
    est = json.loads((out / "report" / "estimates.json").read_text())
    mvau_in_bram = [(layer["name"], layer["estimate"]["bram_18k"], layer["bram_18k"]) for layer in synth["layers"]
                    if layer["op_type"] == "MVAU_bcnn" and layer["estimate"]["bram_18k"] > 0]
    whole = synth["total"]
    return {
        "model": name, "folding": f"finn-examples {name}",
        "estimate": est["totals"], "synth": {k: v for k, v in whole.items() if k != "longest_path"},
        "longest_path": whole["longest_path"],
        "fifos": synth["fifos"]["total"], "registered_layer_boundaries": synth["registered_layer_boundaries"],
        "budget": synth["budget"], "utilization": synth["utilization"], "fits_board": synth["fits_board"],
        "every_bram_mvau_in_bram": all(got > 0 for _, _, got in mvau_in_bram),
        "mvau_bram": [{"layer": n, "estimate": e, "synth": g} for n, e, g in mvau_in_bram],
        "bram_vs_estimate": whole["bram_18k"] / est["totals"]["bram_18k"],
        "lut_vs_estimate": whole["lut_total"] / est["totals"]["lut"],
        "layers": [{k: layer[k] for k in ("name", "op_type", "lut_total", "lut", "lutram", "ff", "bram_18k", "carry",
                                          "logic_levels", "estimate")} for layer in synth["layers"]],
        "synth_seconds": round(synth_seconds, 1),
        "sim": {"frames": sim["frames"], "bit_exact": sim["bit_exact"], "streams": len(sim["streams"]),
                "cycles_per_frame": sim["cycles_per_frame"], "analytic_cycles_per_frame": sim["analytic_cycles_per_frame"]},
    }


def table(rows: list) -> str:
    lines = ["| model | LUT synth (logic + LUTRAM) | LUT est | FF | BRAM18 synth | BRAM18 est | levels | "
             "LUT of Pynq-Z1 | BRAM of Pynq-Z1 | cycles/frame sim / analytic | bit-exact (streams) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        s, e = r["synth"], r["estimate"]
        lines.append(f"| {r['model']} | {s['lut_total']:,} ({s['lut']:,} + {s['lutram']:,}) | {e['lut']:,} | {s['ff']:,} | "
                     f"{s['bram_18k']} | {e['bram_18k']} | {s['logic_levels']} | {r['utilization']['lut']:.1%} | "
                     f"{r['utilization']['bram_18k']:.1%} | {r['sim']['cycles_per_frame']:.0f} / "
                     f"{r['sim']['analytic_cycles_per_frame']} | {r['sim']['bit_exact']} ({r['sim']['streams']}) |")
    cnv = next(r for r in rows if r["model"] == "cnv_w1a1")
    lines += ["", f"BNN-PYNQ CNV-w1a1 on Pynq-Z1 (published): about {BNN_PYNQ_CNV['lut']:,} LUT, "
              f"{BNN_PYNQ_CNV['bram_18k']} BRAM18; ours: {cnv['synth']['lut_total']:,} LUT "
              f"({cnv['synth']['lut_total'] / BNN_PYNQ_CNV['lut']:.2f}x), {cnv['synth']['bram_18k']} BRAM18 "
              f"({cnv['synth']['bram_18k'] / BNN_PYNQ_CNV['bram_18k']:.2f}x).", "",
              "Goals for cnv_w1a1: every MVAU FINN+ estimates in block RAM uses block RAM: "
              f"{cnv['every_bram_mvau_in_bram']}; total BRAM18 within 20 % of FINN+'s estimate: "
              f"{cnv['bram_vs_estimate']:.2f}x; LUT at most 85 % of the board: {cnv['utilization']['lut']:.1%}.", "",
              "Per layer (cnv_w1a1):", "",
              "| layer | LUT synth | LUT est | FF | BRAM18 synth | BRAM18 est | levels |", "|---|---|---|---|---|---|---|"]
    for layer in cnv["layers"]:
        lines.append(f"| {layer['name']} | {layer['lut_total']:,} | {layer['estimate']['lut']:,} | {layer['ff']:,} | "
                     f"{layer['bram_18k']} | {layer['estimate']['bram_18k']} | {layer['logic_levels']} |")
    f = cnv["fifos"]
    lines.append(f"| FIFOs | {f['lut_total']:,} | - | {f['ff']:,} | {f['bram_18k']} | - | - |")
    return "\n".join(lines) + "\n"


def plot(rows: list, path: Path) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for ax, (key, est_key, label) in zip(axes, [("lut_total", "lut", "LUT"), ("bram_18k", "bram_18k", "BRAM18")]):
        names = [r["model"] for r in rows] + ["BNN-PYNQ CNV"]
        x = range(len(names))
        est = [r["estimate"][est_key] for r in rows] + [0]
        got = [r["synth"][key] for r in rows] + [BNN_PYNQ_CNV[est_key]]
        ax.bar([i - 0.2 for i in x], est, width=0.4, label="FINN+ estimate")
        ax.bar([i + 0.2 for i in x], got, width=0.4, label="Yosys synthesis (BNN-PYNQ: published)")
        ax.axhline(rows[0]["budget"][est_key], color="tab:red", linestyle="--", label="Pynq-Z1 budget")
        ax.set_xticks(list(x), names)
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    fig.suptitle("finn-examples foldings on Pynq-Z1 (xc7z020): synthesized vs estimated")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(frames: int, jobs: int) -> list:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in MODELS:
            rows.append(measure(name, Path(tmp), frames, jobs))
            print(json.dumps({k: rows[-1][k] for k in ("model", "synth", "estimate", "sim")}), flush=True)
    result = {"machine": f"{platform.machine()}, {jobs} parallel Yosys runs", "goals": GOALS,
              "bnn_pynq_cnv_w1a1": BNN_PYNQ_CNV, "designs": rows}
    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    (HERE / "results.md").write_text(table(rows))
    plot(rows, HERE / "synth.png")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    main(args.frames, args.jobs)
