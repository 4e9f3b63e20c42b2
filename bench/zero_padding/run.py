"""Benchmark: what zero padding of a binary convolution costs (issue #24).

One binary 3x3 convolution of a binary ResNet's shape (C -> C channels on an HxH map, +-1 inputs
and weights, thresholded to +-1), built three ways at the same folding and synthesized by Yosys
for the Pynq-Z1's xc7z020: padding=1 with zeros (the seeds' layer: bcnn's per-pixel-class
thresholds), padding=0 (the anchor: what FINN+ could build), and the -1 border by hand (a
ConstantPad2d(1, -1): the same window and cycles as padding=1, FINN+'s own padding path). The
layer's synthesized LUT, FF and BRAM18 (the unit alone, from report/synth.json) and its cycles
per frame are compared; each design is simulated bit-exact on every stream first. Writes
results.json, results.md and zero_padding.png beside this file.

    .venv/bin/python bench/zero_padding/run.py [--quick]
"""
import argparse
import json
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from qonnx.core.modelwrapper import ModelWrapper  # noqa: E402
from qonnx.custom_op.registry import getCustomOp  # noqa: E402

from build_flows.analysis.report import load_estimates, load_synth  # noqa: E402
from build_flows.config import BuildConfig  # noqa: E402
from build_flows.flow import run_build  # noqa: E402
from build_flows.sim.simulate import simulate  # noqa: E402
from models.export import export_model  # noqa: E402
from models.user_style.corpus import make_model  # noqa: E402

HERE = Path(__file__).parent
# (channels, map size, PE, SIMD): ResNet-20's three stages on 32x32 inputs, at two foldings
LAYERS = [(16, 32, 4, 16), (16, 32, 16, 48), (32, 16, 8, 32), (32, 16, 32, 96), (64, 8, 16, 64), (64, 8, 64, 192)]
VARIANTS = {"zero padding=1": 1, "padding=0": 0, "-1 border by hand": "minus_one"}


def spec(channels: int, size: int, padding) -> dict:
    conv = {"op": "conv", "out": channels, "k": 3, "pad": padding if padding != "minus_one" else 0, "bits": 1}
    border = [{"op": "pad", "amount": 1, "value": -1.0}] if padding == "minus_one" else []
    return {"input": [channels, size, size], "layers": [
        {"op": "quant_input", "bits": 8, "signed": False},
        {"op": "conv", "out": channels, "k": 1, "pad": 0, "bits": 1}, {"op": "bn"}, {"op": "act", "kind": "sign"},
        *border, conv, {"op": "bn"}, {"op": "act", "kind": "sign"},
        {"op": "flatten"}, {"op": "linear", "out": 10, "bits": 1}]}


def layer_rows(build: Path, window: int) -> dict:
    """The 3x3 unit (MW = 9 C) of a build: its cycles, folding and synthesized resources."""
    df = ModelWrapper(str(build / "dataflow.onnx"))
    name = next(n.name for n in df.get_nodes_by_op_type("MVAU_bcnn") if getCustomOp(n).get_nodeattr("MW") == window)
    est = next(x for x in load_estimates(build)["layers"] if x["name"] == name)
    syn = next(x for x in load_synth(build)["layers"] if x["name"] == name)
    return {"layer": name, "cycles_per_frame": est["cycles"], "PE": est["PE"], "SIMD": est["SIMD"],
            "lut": syn["lut_total"], "ff": syn["ff"], "bram_18k": syn["bram_18k"], "logic_levels": syn["logic_levels"]}


def build_variant(channels, size, pe, simd, padding, tmp: Path) -> dict:
    work = tmp / f"c{channels}_s{size}_pe{pe}_simd{simd}_{padding}"
    model = make_model(spec(channels, size, padding), seed=0)
    export_model(model, work / "model.onnx", model.in_shape)
    window = 9 * channels
    probe = run_build(BuildConfig(model=str(work / "model.onnx"), out=str(work / "probe")), show_progress=False)
    df = ModelWrapper(str(probe / "dataflow.onnx"))
    index = [getCustomOp(n).get_nodeattr("MW") for n in df.get_nodes_by_op_type("MVAU_bcnn")].index(window)
    (work / "folding.json").write_text(json.dumps({f"MVAU_bcnn_{index}": {"PE": pe, "SIMD": simd}}))
    build = run_build(BuildConfig(model=str(work / "model.onnx"), out=str(work / "build"),
                                  folding=str(work / "folding.json"), outputs=["estimates", "rtl", "synth"]),
                      show_progress=False)
    sim = simulate(build, frames=2, backpressure=True)
    return {**layer_rows(build, window), "bit_exact_every_stream": sim["bit_exact"]}


def main(quick: bool) -> list:
    rows = []
    layers = LAYERS[:2] if quick else LAYERS
    with tempfile.TemporaryDirectory() as tmp:
        for channels, size, pe, simd in layers:
            row = {"channels": channels, "map": size, "PE": pe, "SIMD": simd}
            for label, padding in VARIANTS.items():
                row[label] = build_variant(channels, size, pe, simd, padding, Path(tmp))
            zero, valid = row["zero padding=1"], row["padding=0"]
            row["lut_vs_padding0"] = round(zero["lut"] / valid["lut"], 4)
            row["lut_vs_minus_one_border"] = round(zero["lut"] / row["-1 border by hand"]["lut"], 4)
            row["bram_not_more"] = zero["bram_18k"] <= valid["bram_18k"]
            row["same_cycles_as_minus_one_border"] = zero["cycles_per_frame"] == row["-1 border by hand"]["cycles_per_frame"]
            rows.append(row)
            print(json.dumps(row), flush=True)
    (HERE / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = ["| layer (C, map, PE, SIMD) | variant | cycles/frame | LUT | FF | BRAM18 | logic levels | bit-exact |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        for label in VARIANTS:
            d = r[label]
            lines.append(f"| {r['channels']}, {r['map']}x{r['map']}, {r['PE']}, {r['SIMD']} | {label} | "
                         f"{d['cycles_per_frame']:,} | {d['lut']:,} | {d['ff']:,} | {d['bram_18k']} | {d['logic_levels']} | "
                         f"{d['bit_exact_every_stream']} |")
    lines += ["", "| layer | zero-padded LUT / padding=0 LUT | / -1 border LUT | BRAM18 not more | same cycles as -1 border |",
              "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['channels']}, {r['map']}x{r['map']}, {r['PE']}, {r['SIMD']} | {r['lut_vs_padding0']:.3f} | "
                     f"{r['lut_vs_minus_one_border']:.3f} | {r['bram_not_more']} | {r['same_cycles_as_minus_one_border']} |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    fig, ax = plt.subplots(figsize=(8, 3.6))
    labels = [f"C{r['channels']} {r['map']}px\nPE{r['PE']} SIMD{r['SIMD']}" for r in rows]
    for i, (label, color) in enumerate(zip(VARIANTS, ("tab:blue", "tab:gray", "tab:orange"))):
        ax.bar([x + 0.27 * (i - 1) for x in range(len(rows))], [r[label]["lut"] for r in rows], 0.27, label=label, color=color)
    ax.set_xticks(range(len(rows)), labels, fontsize=7)
    ax.set_ylabel("LUT (Yosys, xc7z020)")
    ax.set_title("A binary 3x3 convolution's unit: zero padding vs none vs a -1 border")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(HERE / "zero_padding.png", dpi=100)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="The first two layers only.")
    main(parser.parse_args().quick)
