"""A model bcnn did not write, taken the whole way: Brevitas export (checked against torch),
`bcnn build` (every step checked against the QONNX model), the stitched RTL simulated at full
rate (cycles against the analytic number) and under random backpressure (every stream compared
with the python execution), and the outcome classified the way the corpus tests and the model
fuzzer (bench/fuzz) count it:

  exact    built, bit-exact on every stream under backpressure, cycles within CYCLES_TOLERANCE,
           class scores an exact affine image of the QONNX model's logits (class_scores.py)
  refused  a BcnnError before or during the build: one line, naming what is at fault
  crash    anything else: an internal exception, a simulation that differs or deadlocks, a slow
           design, a refusal that is not one line (each is a bcnn bug)"""
import json
import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from models.errors import BcnnError
from models.export import export_model
from models.user_style.corpus import build_options, make_model

from ..config import BuildConfig
from ..flow import run_build
from ..sim.simulate import simulate
from .class_scores import score_residual

CYCLES_TOLERANCE = 1.05  # simulated / analytic cycles per frame
SCORE_TOLERANCE = 1e-4  # class scores vs the QONNX logits, relative to their spread (float rounding)
VERIFY_SAMPLES = 8  # inputs every build step is executed on against the QONNX model


@dataclass
class Outcome:
    outcome: str  # exact | refused | crash
    stage: str  # export | build | sim | scores | done
    message: str = ""
    cycles_ratio: float | None = None
    streams: int | None = None
    # of the VERIFY_SAMPLES inputs, those every step was compared on with the float QONNX model:
    # the others put a quantizer of it on a rounding boundary (models/reference_samples.py)
    reference_samples: int | None = None
    seconds: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _one_line(message: str) -> bool:
    return bool(message) and "\n" not in message.strip() and "Traceback" not in message


def _classify_error(stage: str, exc: BaseException) -> Outcome:
    message = str(exc).strip()
    # only a user-facing error is a refusal; an InternalError (a VerificationError too: a step
    # that changed the model's function) is bcnn's failure, a crash
    if isinstance(exc, BcnnError) and _one_line(message):
        return Outcome("refused", stage, message)
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    return Outcome("crash", stage, f"{type(exc).__name__}{at}: {message.splitlines()[0] if message else ''}")


def check_model(spec: dict, workdir: Path, seed: int = 0, frames: int = 3, board: str = "Pynq-Z1",
                keep: bool = False, model=None) -> Outcome:
    """Export, build, simulate `spec`'s model in `workdir` (corpus.make_model, or `model`: the
    spec's network trained, say); never raises for the model's sake (KeyboardInterrupt still
    stops it)."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    seconds = {}
    stage = "export"
    try:
        start = time.perf_counter()
        model = model if model is not None else make_model(spec, seed)
        export_model(model, workdir / "model.onnx", model.in_shape)
        seconds["export"] = round(time.perf_counter() - start, 1)
        stage, start = "build", time.perf_counter()
        cfg = BuildConfig(model=str(workdir / "model.onnx"), out=str(workdir / "build"), board=board, seed=seed,
                          verify_samples=VERIFY_SAMPLES, **build_options(spec))
        built = run_build(cfg, show_progress=False)
        first = json.loads((Path(built) / "report" / "verification.json").read_text())[0]
        compared = first["samples"] - first.get("samples_on_boundary", 0)  # the tie-free draws
        seconds["build"] = round(time.perf_counter() - start, 1)
        stage, start = "sim", time.perf_counter()
        full_rate = simulate(built, frames=frames, seed=seed, probe="last")
        stalled = simulate(built, frames=frames, seed=seed + 1, backpressure=True)
        seconds["sim"] = round(time.perf_counter() - start, 1)
        stage = "scores"
        residual = score_residual(built, seed)
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - classifying every failure is the point
        outcome = _classify_error(stage, exc)
        outcome.seconds = seconds
        return outcome
    finally:
        if not keep:
            shutil.rmtree(workdir / "build", ignore_errors=True)
    ratio = full_rate["cycles_per_frame"] / full_rate["analytic_cycles_per_frame"]
    outcome = Outcome("exact", "done", cycles_ratio=round(ratio, 4), streams=len(stalled["streams"]),
                      reference_samples=compared, seconds=seconds)
    if not (full_rate["bit_exact"] and stalled["bit_exact"]):
        report = stalled if not stalled["bit_exact"] else full_rate
        where = report["first_mismatch"]["where"] if report["first_mismatch"] else "lost or extra beats"
        outcome.outcome, outcome.stage, outcome.message = "crash", "sim", f"not bit-exact: {where}"
    elif residual is not None and residual > SCORE_TOLERANCE:
        outcome.outcome, outcome.stage = "crash", "scores"
        outcome.message = f"class scores are not the QONNX model's logits (residual {residual:.3g} of their spread)"
    elif ratio > CYCLES_TOLERANCE:
        outcome.outcome, outcome.stage = "crash", "sim"
        outcome.message = f"{ratio:.3f}x the analytic cycles per frame (more than {CYCLES_TOLERANCE}x)"
    (workdir / "outcome.json").write_text(json.dumps(outcome.as_dict(), indent=2))
    return outcome
