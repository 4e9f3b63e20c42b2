"""`bcnn demo`, the main job on built-in data: train TFC-w1a1, export, build and synthesize,
simulate every stream, report.

Uses MNIST when scripts/setup.sh could fetch it, else scikit-learn's digits (always present).
Every stage is idempotent: training resumes from its checkpoint (nothing to do when finished),
export and build are rewritten in seconds.
"""
import json
import time
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from models.checkpoint import load_checkpoint
from models.data import load_dataset
from models.export import export_model
from models.train import CHECKPOINT, TrainConfig, train

from ..config import BuildConfig
from ..flow import run_build
from ..analysis.report import estimates_table, load_estimates, load_synth, plot_cycles, plot_resources
from ..sim.images import simulate_images
from ..verify import executable, run_model
from .tables import print_table

MODEL = "tfc_w1a1"
HW_CHECK_IMAGES = 200  # test images run through the built hardware graph (python execution)
SIM_IMAGES = 20  # test images streamed through the stitched RTL in Verilator


def pick_dataset() -> str:
    try:
        load_dataset("mnist", limit=1)
        return "mnist"
    except ValueError:
        return "digits"


def hardware_agreement(build_dir: Path, model, images: torch.Tensor) -> dict:
    """Top-1 of the built design (integer pixels in, class index out) vs torch on real images."""
    from qonnx.core.modelwrapper import ModelWrapper

    hw = executable(ModelWrapper(str(build_dir / "model.onnx")), build_dir / "report" / "scratch")
    pixels = torch.round(images * 255)
    with torch.no_grad():
        torch_labels = model(pixels / 255).argmax(1).numpy()
    hw_labels = np.array([int(run_model(hw, p[None].numpy()).reshape(-1)[0]) for p in pixels])
    return {"images": len(images), "mismatches": int((hw_labels != torch_labels).sum())}


def run_demo(out: Path, epochs: int, console: Console | None = None) -> dict:
    console = console or Console()
    t0 = time.perf_counter()
    dataset = pick_dataset()
    console.print(f"[bold]1/5 train[/] {MODEL} on {dataset} for {epochs} epoch(s) -> {out / 'train'}")
    metrics = train(TrainConfig(MODEL, dataset, str(out / "train"), epochs=epochs))
    model, _ = load_checkpoint(out / "train" / CHECKPOINT)

    console.print(f"[bold]2/5 export[/] QONNX -> {out / f'{MODEL}.onnx'}")
    onnx_path = out / f"{MODEL}.onnx"
    export = export_model(model, onnx_path)

    # finn-examples' folding is for MNIST's 28x28 inputs; digits' 8x8 take FINN+'s default folding
    folding = MODEL if dataset == "mnist" else None
    console.print(f"[bold]3/5 build[/] FINN+ flow for Pynq-Z1 with "
                  f"{'the finn-examples' if folding else 'the default'} folding, RTL synthesized "
                  f"with Yosys -> {out / 'build'}")
    build_dir = run_build(BuildConfig(model=str(onnx_path), out=str(out / "build"), folding=folding,
                                      outputs=["estimates", "rtl", "synth"]))
    est, synth = load_estimates(build_dir), load_synth(build_dir)
    plot_cycles(est, build_dir / "report" / "cycles.png")
    plot_resources(est, synth, build_dir / "report" / "resources.png")

    console.print(f"[bold]4/5 check[/] built design (python execution) vs torch on {HW_CHECK_IMAGES} test images")
    test = load_dataset(dataset).test
    agree = hardware_agreement(build_dir, model, test.images[:HW_CHECK_IMAGES])

    console.print(f"[bold]5/5 simulate[/] stitched RTL in Verilator on {SIM_IMAGES} test images, every stream checked")
    sim, labels_equal = simulate_images(build_dir, model, test.images[:SIM_IMAGES], out / "sim_frames.npy")

    summary = {
        "model": MODEL, "dataset": dataset, "epochs": epochs,
        "test_accuracy_torch": metrics["test_accuracy"],
        "hw_graph_agreement": f"{agree['images'] - agree['mismatches']}/{agree['images']}",
        "bit_exact": agree["mismatches"] == 0 and export["top1_agree"] and sim["bit_exact"] and labels_equal,
        "mismatches": agree["mismatches"],
        "sim_frames": SIM_IMAGES, "sim_bit_exact": sim["bit_exact"], "sim_labels_equal_torch": labels_equal,
        "board": est["board"], "clock_ns": est["clock_ns"],
        "analytic_cycles_per_frame": est["analytic_cycles_per_frame"], "fps_at_clock": est["fps_at_clock"],
        "simulated_cycles_per_frame": sim["cycles_per_frame"], "latency_cycles": sim["latency_cycles"],
        "sim_cycles_per_second": sim["sim_cycles_per_second"],
        "sim_streams_compared": len(sim["streams"]),
        "resources": est["totals"], "fits_board": est["fits_board"],
        "synthesized": {k: synth["total"][k] for k in ("lut_total", "lut", "lutram", "ff", "bram_18k", "dsp",
                                                       "logic_levels")},
        "synthesized_fits_board": synth["fits_board"],
        "build_dir": str(build_dir), "seconds": round(time.perf_counter() - t0, 1),
    }
    (out / "report.json").write_text(json.dumps(summary, indent=2))
    print_table(estimates_table(est, synth), console)
    table = Table(title=f"bcnn demo: {MODEL} on {dataset}", show_header=False)
    for key in ("test_accuracy_torch", "hw_graph_agreement", "sim_bit_exact", "sim_labels_equal_torch", "bit_exact",
                "analytic_cycles_per_frame", "simulated_cycles_per_frame", "latency_cycles", "fps_at_clock",
                "fits_board", "seconds"):
        value = summary[key]
        table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
    table.add_row("LUT / BRAM18 estimated", f"{est['totals']['lut']} / {est['totals']['bram_18k']}")
    table.add_row("LUT / BRAM18 synthesized", f"{synth['total']['lut_total']} / {synth['total']['bram_18k']} "
                                              f"({synth['total']['logic_levels']} logic levels)")
    print_table(table, console)
    console.print(f"report: {out / 'report.json'}")
    return summary
