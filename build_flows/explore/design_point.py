"""One trained design, measured the way the benchmarks report it: train, export, build for the
default board (Pynq-Z1, default folding), simulate test images with every stream compared (and a
few under random backpressure), synthesize with Yosys. bench/residual, bench/fracbnn and
bench/pareto each add their own columns to this row.

Training runs are kept under RUNS, one directory per training configuration, so a benchmark
rerun (or one stopped half way) resumes them instead of training again."""
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from models.checkpoint import load_checkpoint
from models.data import load_dataset
from models.export import export_model
from models.train import TrainConfig, train

from ..config import BuildConfig
from ..flow import run_build
from ..sim.images import simulate_images
from ..synth.design import synthesize_build

BACKPRESSURE_FRAMES = 5
RUNS = Path.home() / ".cache" / "bcnn-fpga" / "runs"


def run_directory(cfg: TrainConfig, runs: Path = RUNS) -> Path:
    """The directory of a training configuration (everything but its output directory)."""
    fields = {k: v for k, v in asdict(cfg).items() if k not in ("out", "stop_after")}
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:12]
    return runs / f"{cfg.model}-{cfg.method}-{cfg.dataset}-e{cfg.epochs}-{digest}"


def measure_design(work: Path, cfg: TrainConfig, frames: int, jobs: int) -> tuple[dict, dict, Path]:
    """-> (the row, `bcnn sim`'s report on `frames` test images, the build directory under `work`).
    `cfg.out` is replaced by the configuration's run directory (trained or resumed there)."""
    work = Path(work)
    cfg.out = str(run_directory(cfg))
    metrics = train(cfg)
    model, _ = load_checkpoint(Path(cfg.out) / "checkpoint.pt")
    export_model(model, work / "m.onnx")
    build = run_build(BuildConfig(model=str(work / "m.onnx"), out=str(work / "build")), show_progress=False)
    images = load_dataset(cfg.dataset).test.images
    sim, labels_equal = simulate_images(build, model, images[:frames], work / "frames.npy")
    pressed, _ = simulate_images(build, model, images[:min(frames, BACKPRESSURE_FRAMES)], work / "pressed.npy",
                                 backpressure=True)
    synth = synthesize_build(build, parallel=jobs, show_progress=False)
    row = {
        "model": cfg.model, "method": cfg.method, "dataset": cfg.dataset, "epochs": cfg.epochs, "augment": cfg.augment,
        "test_accuracy": metrics["test_accuracy"], "train_seconds": round(metrics["train_seconds"]),
        "sim_frames": frames, "bit_exact": sim["bit_exact"], "streams_compared": len(sim["streams"]),
        "labels_equal_torch": labels_equal, "backpressure_bit_exact": pressed["bit_exact"],
        "analytic_cycles_per_frame": sim["analytic_cycles_per_frame"], "simulated_cycles_per_frame": sim["cycles_per_frame"],
        "cycles_vs_analytic": sim["cycles_vs_analytic"], "fps_at_100mhz": sim["fps_at_clock"],
        "synth": {k: synth["total"][k] for k in ("lut_total", "ff", "bram_18k", "dsp", "logic_levels")},
        "fits_pynq_z1": synth["fits_board"], "estimate_totals": synth["estimate_totals"],
    }
    return row, sim, build
