"""Benchmark: the fastest cnv_w1a1 / tfc_w1a1 within the Pynq-Z1 by synthesis (issue #13, bench 1).

For each model (random init, per-channel norms): `bcnn fold-search` (folding by FINN+'s estimates
rescaled round by round to Yosys' synthesized LUTs, LUT <= 85 %, BRAM18 <= 100 %), then FINN+'s
own SetFolding at the same cycles-per-frame target built and synthesized beside it, and the best
design simulated (every stream) against its analytic interval. Anchors: the finn-examples folding
(3,052 FPS simulated, 3,020 measured on a board) and BNN-PYNQ's CNV-w1a1 (9,150 FPS reported,
about 26k LUT, 124 BRAM36). Writes results.json, results.md and folding.png beside this file.

    .venv/bin/python bench/folding/run.py [--only cnv_w1a1] [--rounds 3]
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
from build_flows.explore.fold_by_synthesis import fold_search  # noqa: E402
from build_flows.analysis.report import load_estimates, load_synth  # noqa: E402
from build_flows.sim.simulate import simulate  # noqa: E402
from models.export import export_model  # noqa: E402
from models.random_init import random_model  # noqa: E402

HERE = Path(__file__).parent
MODELS = ("cnv_w1a1", "tfc_w1a1")
# On the board: tfc_w1a1's finn-examples folding runs 64 cycles/frame in the pipeline (1,562,500 FPS)
# but takes its input in 16 beats of a 512-bit bus, 128 cycles through the Pynq-Z1's HP port;
# finn-examples measures 837 k FPS without and 442 k with data movement on the board.
ANCHORS = {"cnv_w1a1": {"finn-examples folding (simulated; 3,020 FPS on a board)": 3052,
                        "BNN-PYNQ CNV-w1a1 (reported, ~26k LUT)": 9150},
           "tfc_w1a1": {"finn-examples folding (through the HP port; pipeline 1,562,500)": 781250,
                        "finn-examples measured with data movement": 442000}}


def design(out: Path) -> dict:
    est, syn = load_estimates(out), load_synth(out)
    # fps_at_100MHz: on the board, the smaller of the pipeline's rate and the data movement's
    return {"cycles_per_frame": est["analytic_cycles_per_frame"], "fps_at_100MHz": est["fps_at_clock"],
            "pipeline_fps_at_100MHz": est["pipeline_fps_at_clock"], "fps_bounded_by": est["fps_bounded_by"],
            "lut_estimated": est["totals"]["lut"], "lut_synthesized": syn["total"]["lut_total"],
            "bram_18k_synthesized": syn["total"]["bram_18k"], "logic_levels": syn["total"]["logic_levels"]}


def measure(name: str, rounds: int, tmp: Path) -> dict:
    export_model(random_model(name), tmp / f"{name}.onnx")
    search = fold_search(BuildConfig(model=str(tmp / f"{name}.onnx"), out=str(tmp / name), folding="fastest",
                                     outputs=["estimates", "rtl", "synth"]), rounds=rounds)
    best = search["best"]
    row = {"model": name, "rounds": search["rounds"], "ours": design(Path(best["build"])) if best else None}
    if best:
        sim = simulate(best["build"], frames=3)
        row["ours"].update({"bit_exact_every_stream": sim["bit_exact"], "simulated_vs_analytic": sim["cycles_vs_analytic"]})
        finn = run_build(BuildConfig(model=str(tmp / f"{name}.onnx"), out=str(tmp / f"{name}-finn"),
                                     target_fps=best["fps_at_clock"], outputs=["estimates", "rtl", "synth"]),
                         show_progress=False)
        row["finn_setfolding_same_target"] = design(finn)
    row["anchors_fps"] = ANCHORS[name]
    return row


def main(only, rounds) -> list:
    kept = json.loads((HERE / "results.json").read_text()) if only and (HERE / "results.json").is_file() else []
    measured = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in MODELS:
            if only in (None, name):
                measured[name] = measure(name, rounds, Path(tmp))
    previous = {r["model"]: r for r in kept}  # --only reruns one model and keeps the others' rows
    rows = [measured.get(name) or previous[name] for name in MODELS if name in measured or name in previous]
    (HERE / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    return render(rows)


def render(rows: list) -> list:
    """results.md and folding.png from the rows (results.json)."""
    lines = ["FPS on the board: the pipeline's rate or, where smaller, what the AXI DMA moves through the "
             "Pynq-Z1's 64-bit HP port (docs/flow.md); an upper bound, the DMA's own overheads and the PS's "
             "memory are not modelled. tfc_w1a1's fold-search stops where the HP port binds (98 cycles for its "
             "784-byte frame): 12.5 M FPS before this bound, a pipeline no board's DMA could feed.", "",
             "| model | folding | cycles/frame | FPS @ 100 MHz | LUT synth (est) | BRAM18 synth | fits Pynq-Z1 (85 % LUT) |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        for label, d in (("ours (fold-search)", r["ours"]), ("FINN+ SetFolding, same target", r.get("finn_setfolding_same_target"))):
            if d:
                fit = d["lut_synthesized"] <= 0.85 * 53200 and d["bram_18k_synthesized"] <= 280
                pipeline = d.get("pipeline_fps_at_100MHz", d["fps_at_100MHz"])  # rows from before the bound
                bound = f" (pipeline {pipeline:,.0f}; {d['fps_bounded_by']})" if pipeline > d["fps_at_100MHz"] else ""
                lines.append(f"| {r['model']} | {label} | {d['cycles_per_frame']:,} | {d['fps_at_100MHz']:,.0f}{bound} | "
                             f"{d['lut_synthesized']:,} ({d['lut_estimated']:,}) | {d['bram_18k_synthesized']} | {fit} |")
        for label, fps in r["anchors_fps"].items():
            lines.append(f"| {r['model']} | {label} | | {fps:,} | | | |")
    lines += ["", "Search rounds (estimate scaled by the previous round's synthesized / estimated LUT):", "",
              "| model | round | LUT per estimate | cycles/frame | LUT synth / est | BRAM18 | fits |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        for k in r["rounds"]:
            lines.append(f"| {r['model']} | {k['round']} | {k['lut_per_estimate']:.3f} | {k['cycles_per_frame']:,} | "
                         f"{k['lut_synthesized']:,} / {k['lut_estimated']:,} | {k['bram_18k_synthesized']} | {k['fits']} |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    fig, axes = plt.subplots(1, len(rows), figsize=(5 * len(rows), 3.4), squeeze=False)
    for ax, r in zip(axes[0], rows):
        bars = {"ours": r["ours"]["fps_at_100MHz"] if r["ours"] else 0}
        if r.get("finn_setfolding_same_target"):
            bars["FINN+ same target"] = r["finn_setfolding_same_target"]["fps_at_100MHz"]
        bars.update({k.split(" (")[0]: v for k, v in r["anchors_fps"].items()})
        ax.bar(list(bars), list(bars.values()), color=["tab:blue", "tab:orange", "tab:gray", "tab:gray"][:len(bars)])
        ax.set_title(f"{r['model']} on Pynq-Z1 at 100 MHz")
        ax.set_ylabel("frames / s")
        ax.tick_params(axis="x", labelsize=7, rotation=15)
    fig.tight_layout()
    fig.savefig(HERE / "folding.png", dpi=100)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default=None, choices=MODELS)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(main(args.only, args.rounds), indent=2))
