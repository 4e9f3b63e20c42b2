"""A design sweep: candidate foldings x FIFO depths of one model, each built (and synthesized and
simulated when asked), the fastest that fits picked.

A candidate's spec holds everything its build depends on, the model by its SHA-256 and folding
files by their content, so its result is cached by content and any worker can build it from the
spec and the model's bytes alone."""
import hashlib
import json
import tempfile
import time
from pathlib import Path

import ray

from models.errors import BcnnError

from ...config import BuildConfig, shipped_foldings
from ..fifo_sizing import fifo_table
from ...flow import run_build
from ...analysis.report import load_estimates, load_synth
from ...folding.config_file import load_folding

# Build options a sweep fixes for all its candidates, beside the candidate's own.
COMMON = ("board", "clock_ns", "lut_cap", "outputs", "seed")


def folding_candidates(fastest_scales=(), target_fps=(), folding_files=()) -> list:
    """Folding specs: `--folding fastest` with FINN+'s LUT estimates scaled by each of
    fastest_scales, FINN+'s SetFolding for each target FPS, and folding files (or shipped foldings
    by name, as `bcnn build --folding` takes them) by content."""
    shipped = shipped_foldings()
    files = [shipped[p] if not Path(p).is_file() and p in shipped else Path(p) for p in folding_files]
    return ([{"folding": "fastest", "lut_per_estimate": float(s)} for s in fastest_scales]
            + [{"target_fps": float(f)} for f in target_fps]
            + [{"folding_file": p.name, "folding_json": load_folding(p)} for p in files])


def design_specs(model: Path, common: dict, foldings: list, fifo_depths=(32,)) -> list:
    """Every folding with every FIFO depth, each spec complete: model hash, common build options."""
    model = Path(model)
    if not model.is_file():
        raise BcnnError(f"{model}: no such QONNX model")
    if not foldings:
        raise BcnnError("a design sweep needs at least one folding candidate (--fastest, --target-fps or --folding)")
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    BuildConfig(model=str(model), out="unused", **common)  # bad common options fail here, once, not per task
    return [{"model_sha256": digest, **common, **folding, "fifo_depth": int(depth)}
            for folding in foldings for depth in fifo_depths]


def design_label(spec: dict) -> str:
    if spec.get("folding") == "fastest":
        fold = f"fastest x{spec['lut_per_estimate']:g}"
    elif "target_fps" in spec:
        fold = f"SetFolding {spec['target_fps']:g} FPS"
    else:
        fold = spec["folding_file"]
    return f"{fold}, FIFO {spec['fifo_depth']}"


def _build_config(spec: dict, work: Path) -> BuildConfig:
    options = {k: spec[k] for k in (*COMMON, "fifo_depth") if k in spec}
    if "folding_json" in spec:
        (work / "folding.json").write_text(json.dumps(spec["folding_json"]))
        options["folding"] = str(work / "folding.json")
    else:
        options.update({k: spec[k] for k in ("folding", "lut_per_estimate", "target_fps") if k in spec})
    return BuildConfig(model=str(work / "model.onnx"), out=str(work / "build"), **options)


def evaluate_design(spec: dict, model_bytes: bytes) -> dict:
    """Build one candidate in a scratch directory; its figures and the folding it got."""
    if hashlib.sha256(model_bytes).hexdigest() != spec["model_sha256"]:
        raise BcnnError("the model's bytes differ from the sweep's model_sha256")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bcnn-sweep-") as tmp:
        work = Path(tmp)
        (work / "model.onnx").write_bytes(model_bytes)
        cfg = _build_config(spec, work)
        build = run_build(cfg, show_progress=False)
        est, synth = load_estimates(build), load_synth(build)
        row = {
            "design": design_label(spec),
            "cycles_per_frame": est["analytic_cycles_per_frame"],
            "fps_at_clock": est["fps_at_clock"],
            "bottleneck_layer": est["bottleneck_layer"],
            "lut_estimated": est["totals"]["lut"],
            "bram_18k_estimated": est["totals"]["bram_18k"],
            "fits_by_estimate": est["fits_board"],
            "folding": {layer["name"]: {k: layer[k] for k in ("PE", "SIMD", "ram_style") if layer.get(k) is not None}
                        for layer in est["layers"] if layer["PE"] is not None or layer["SIMD"] is not None},
        }
        if (build / "rtl" / "stitch.json").is_file():
            row["fifo_bits"] = sum(f["width"] * f["depth"] for f in fifo_table(build))
        if synth is not None:
            row.update(lut_synthesized=synth["total"]["lut_total"], bram_18k_synthesized=synth["total"]["bram_18k"],
                       fits_by_synthesis=synth["fits_board"])
        sim = build / "sim" / "report.json"
        if sim.is_file():
            report = json.loads(sim.read_text())
            row.update(sim_bit_exact=report["bit_exact"], sim_cycles_per_frame=report["cycles_per_frame"])
    row["seconds"] = round(time.perf_counter() - start, 1)
    row["node"] = ray.get_runtime_context().get_node_id() if ray.is_initialized() else None
    return row


def fits(row: dict) -> bool:
    """By synthesis where the sweep synthesized, else by FINN+'s estimates; bit-exact where simulated."""
    if "error" in row:
        return False
    fit = row["fits_by_synthesis"] if "fits_by_synthesis" in row else row["fits_by_estimate"]
    return fit and row.get("sim_bit_exact", True)


def fastest_fitting(rows: list) -> dict | None:
    fitting = [r for r in rows if fits(r)]
    return min(fitting, key=lambda r: (r["cycles_per_frame"], r.get("lut_synthesized", r["lut_estimated"])),
               default=None)
