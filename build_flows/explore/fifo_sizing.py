"""FIFO sizing by simulation: the smallest depths that keep a design's simulated frame interval
and never deadlock, instead of one rule for every FIFO.

1. Simulate the build as stitched (its depths: the default, raised for a unit that replays its
   input vector or a window's first rows; shortcuts at their computed deadlock-free depth) and
   record each FIFO's highest occupancy.
2. Propose occupancy + margin for every FIFO (at least 2: a 1-deep bcnn_fifo runs at half rate);
   a shortcut FIFO keeps its computed depth (its need is the worst case over all data, which one
   simulation does not show; tests/test_residual.py shows one word less deadlocks).
3. Simulate again with the FIFOs held at the proposal (the same compiled design: bcnn_fifo's
   capacity plusarg, which behaves cycle for cycle as the shallower FIFO): it must stay bit-exact
   and at the same interval; a FIFO that ran full and slowed the design doubles (never beyond its
   stitched depth) until it does. The result is stitched for real and simulated, with and without
   random backpressure: bit-exact and deadlock-free, or the sizing fails.

The result is report/fifo_sizing.json and fifo_sized.yaml (the build config with the depths),
which `bcnn build fifo_sized.yaml` turns into the sized design."""
import contextlib
import json
import math
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper

from models.errors import BcnnError

from ..atomic import write_bytes, write_json
from ..boards import get_board
from ..config import BuildConfig
from ..rtl.stitch import stitch
from ..sim.simulate import simulate

MIN_DEPTH = 2
MARGIN = 0.125  # of the observed occupancy, at least one word: slack for data the frames did not show
INTERVAL_TOLERANCE = 1e-3
MAX_ROUNDS = 6


def restitch(design: Path, out: Path, depths: dict) -> Path:
    """A copy of `design` whose rtl/ is stitched again with `depths` (FIFO name -> depth)."""
    shutil.copytree(design, out)
    cfg = BuildConfig.load(out / "build.yaml")
    stitch(ModelWrapper(str(out / "dataflow.onnx")), out / "rtl", cfg.fpga_part, cfg.fifo_depth,
           {**(cfg.fifo_depths or {}), **depths}, get_board(cfg.board).uram)
    return out


def fifo_table(build: Path) -> list:
    info = json.loads((Path(build) / "rtl" / "stitch.json").read_text())
    fifos = [s for s in info["streams"] if s["dst"] is not None]
    return [{"name": n, "width": s["width"], "depth": d, "shortcut": s["shortcut"]}
            for n, s, d in zip(info["fifo_names"], fifos, info["fifo_depths"])]


def _run(build: Path, frames: int, backpressure: bool = False, caps: dict | None = None) -> dict:
    report = simulate(build, frames=frames, probe="last", backpressure=backpressure, fifo_caps=caps)
    if not report["bit_exact"]:
        raise BcnnError(f"{build}: the simulation is not bit-exact; size FIFOs of a correct design")
    return report


@contextlib.contextmanager
def _restored(files: dict):
    """Write `files` (path -> content) back when the block ends, however it ends."""
    try:
        yield
    finally:
        for path, content in files.items():
            write_bytes(path, content)


def size_fifos(build_dir, frames: int = 6, margin: float = MARGIN) -> dict:
    build_dir = Path(build_dir)
    if frames < 2:
        raise BcnnError(f"--frames must be at least 2 (an interval needs two frames), got {frames}")
    for old in (build_dir / "report" / "fifo_sizing.json", build_dir / "fifo_sized.yaml"):
        old.unlink(missing_ok=True)  # a failed sizing must not leave an older result looking like its own
    before = fifo_table(build_dir)
    base = _run(build_dir, frames)
    # the rounds simulate the build itself (FIFOs held lower); its sim/ keeps this run's verdict
    kept = {p: p.read_bytes() for p in (build_dir / "sim" / "report.json", build_dir / "sim" / "outputs.npy")}
    interval, occupancy = base["cycles_per_frame"], base["max_fifo_occupancy"]
    stitched = {f["name"]: f["depth"] for f in before}
    # A FIFO that ran full holds a backlog (its producer is faster); whether the design needs it
    # shows only by shrinking it, so those are halved round by round while the interval holds.
    shrinkable = {f["name"] for f in before if not f["shortcut"] and occupancy[f["name"]] >= f["depth"]}
    # never deeper than stitched: at those depths the design already ran at its interval
    depths = {f["name"]: f["depth"] if f["shortcut"] or f["name"] in shrinkable else
              min(f["depth"], max(MIN_DEPTH, occupancy[f["name"]] + math.ceil(margin * occupancy[f["name"]]) + 1))
              for f in before}
    accepted, rounds = dict(stitched), []
    with tempfile.TemporaryDirectory(prefix="bcnn-fifo-") as tmp, _restored(kept):
        for k in range(MAX_ROUNDS):
            report = _run(build_dir, frames, caps=depths)
            slower = report["cycles_per_frame"] > interval * (1 + INTERVAL_TOLERANCE)
            rounds.append({"cycles_per_frame": report["cycles_per_frame"], "kept": not slower, "depths": dict(depths)})
            if slower:  # the FIFOs that ran full are needed: back to their last good depth, for good
                full = {n for n, d in depths.items() if report["max_fifo_occupancy"][n] >= d and d < accepted[n]}
                depths = {n: accepted[n] if n in full or not full else d for n, d in depths.items()}
                shrinkable -= full
                continue
            accepted = dict(depths)
            shrinkable = {n for n in shrinkable if depths[n] > MIN_DEPTH}
            if not shrinkable:
                break
            depths = {n: max(MIN_DEPTH, d // 2) if n in shrinkable else d for n, d in depths.items()}
        final = restitch(build_dir, Path(tmp) / "final", accepted)
        sized = _run(final, frames)
        _run(final, frames, backpressure=True)  # raises on a deadlock or a mismatch
    after = [{**f, "max_occupancy": occupancy[f["name"]], "sized_depth": accepted[f["name"]]} for f in before]
    bits = {"stitched": sum(f["width"] * f["depth"] for f in before),
            "sized": sum(f["width"] * f["sized_depth"] for f in after)}
    result = {"frames": frames, "margin": margin, "cycles_per_frame_stitched": interval,
              "cycles_per_frame_sized": sized["cycles_per_frame"],
              "analytic_cycles_per_frame": base["analytic_cycles_per_frame"], "fifo_bits": bits,
              "fifos": after, "rounds": rounds}
    write_json(build_dir / "report" / "fifo_sizing.json", result)
    cfg = BuildConfig.load(build_dir / "build.yaml")
    replace(cfg, fifo_depths={**cfg.fifo_depths, **accepted}, out=f"{cfg.out}-fifo-sized").save(
        build_dir / "fifo_sized.yaml")
    return result
