"""Benchmark: FIFO memory after sizing by simulation vs the stitched depths (today's rule), at an
unchanged simulated interval (issue #13, bench 2).

For each design (random init, per-channel norms): build, `bcnn size-fifos`, then rebuild with the
sized depths and simulate it again, with and without backpressure. Writes results.json,
results.md and fifo_sizing.png beside this file.

    .venv/bin/python bench/fifo_sizing/run.py [--only NAME]
"""
import argparse
import json
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from build_flows.config import BuildConfig  # noqa: E402
from build_flows.explore.fifo_sizing import size_fifos  # noqa: E402
from build_flows.flow import run_build  # noqa: E402
from build_flows.sim.simulate import simulate  # noqa: E402
from models.export import export_model  # noqa: E402
from models.random_init import random_model  # noqa: E402

HERE = Path(__file__).parent
# (name, model, method, folding): the finn-examples foldings and a residual with a shortcut FIFO
CASES = [("tfc_w1a1", "tfc_w1a1", "ste", "tfc_w1a1"), ("sfc_w1a1", "sfc_w1a1", "ste", None),
         ("cnv_w1a1", "cnv_w1a1", "ste", "cnv_w1a1"), ("resnet_small (Bi-Real)", "resnet_small", "bireal", None)]


def measure(name, model, method, folding, tmp: Path) -> dict:
    export_model(random_model(model, method=method), tmp / f"{model}.onnx")
    out = run_build(BuildConfig(model=str(tmp / f"{model}.onnx"), out=str(tmp / model), folding=folding),
                    show_progress=False)
    r = size_fifos(out)
    sized_cfg = BuildConfig.load(out / "fifo_sized.yaml")
    sized_cfg.out = str(tmp / f"{model}-sized")
    sized = run_build(sized_cfg, show_progress=False)
    check = simulate(sized, frames=r["frames"])
    stalled = simulate(sized, frames=r["frames"], backpressure=True)
    shortcut_bits = sum(f["width"] * f["sized_depth"] for f in r["fifos"] if f["shortcut"])
    return {"design": name, "folding": folding or "default", "fifos": len(r["fifos"]),
            "fifo_bits_stitched": r["fifo_bits"]["stitched"], "fifo_bits_sized": r["fifo_bits"]["sized"],
            "shortcut_bits_kept": shortcut_bits,
            "ratio": r["fifo_bits"]["sized"] / r["fifo_bits"]["stitched"],
            "cycles_per_frame_stitched": r["cycles_per_frame_stitched"],
            "cycles_per_frame_sized_rebuilt": check["cycles_per_frame"],
            "analytic_cycles_per_frame": r["analytic_cycles_per_frame"],
            "bit_exact": check["bit_exact"] and stalled["bit_exact"], "rounds": len(r["rounds"]),
            "depths": {f["name"]: [f["depth"], f["max_occupancy"], f["sized_depth"]] for f in r["fifos"]}}


def main(only: str | None) -> list:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in CASES:
            if only is None or case[0] == only:
                rows.append(measure(*case, Path(tmp)))
    (HERE / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = ["| design | folding | FIFOs | FIFO bits stitched | FIFO bits sized | sized / stitched | shortcut bits kept "
             "| cycles/frame stitched | cycles/frame sized (rebuilt) | analytic | bit-exact (+backpressure) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['design']} | {r['folding']} | {r['fifos']} | {r['fifo_bits_stitched']:,} | "
                     f"{r['fifo_bits_sized']:,} | {r['ratio']:.1%} | {r['shortcut_bits_kept']:,} | "
                     f"{r['cycles_per_frame_stitched']:,.0f} | {r['cycles_per_frame_sized_rebuilt']:,.0f} | "
                     f"{r['analytic_cycles_per_frame']:,.0f} | {'yes' if r['bit_exact'] else 'NO'} |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    fig, ax = plt.subplots(figsize=(7, 3.2))
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [r["fifo_bits_stitched"] / 1e3 for r in rows], 0.4, label="stitched (rule)")
    ax.bar([i + 0.2 for i in x], [r["fifo_bits_sized"] / 1e3 for r in rows], 0.4, label="sized by simulation")
    ax.set_xticks(list(x), [r["design"] for r in rows], fontsize=8)
    ax.set_ylabel("FIFO kbit")
    ax.set_yscale("log")
    ax.set_title("FIFO memory at an unchanged simulated interval")
    ax.legend()
    fig.tight_layout()
    fig.savefig(HERE / "fifo_sizing.png", dpi=100)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default=None, help="one design of CASES by name")
    for row in main(parser.parse_args().only):
        print({k: v for k, v in row.items() if k != "depths"})
