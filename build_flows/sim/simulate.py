"""`bcnn sim`: stream frames through the stitched accelerator in Verilator, cycle by cycle, and
compare every stream between layers with the python execution of the same dataflow graph.

Inputs are integer pixels (random, seeded, or a user's .npy). The host part of the graph (layout
ops before the dataflow partition) runs in python; its output is what the accelerator's input
stream carries, packed as FINN+ packs streams (element 0 in the lowest bits). With probe "all"
every layer's output stream is recorded (the beats that transfer) and compared, beat for beat;
with "last" only the accelerator's output, for long runs."""
import json
import shutil
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits
import yaml
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from models.errors import BcnnError, InternalError

from ..analysis.data_movement import board_fps
from ..atomic import write_json
from ..finn_env import generic_view, use_build_dir
from . import verilator as vl
from .gating import GateRecorder
from .streams import codes, compare_streams, dataflow_input, layouts, reference_digests

# FINN+'s generated RTL and finn-rtllib are third-party: build them without lint (our own hw/
# modules and the stitched top are linted separately, with -Wall, in the tests).
THIRD_PARTY_LINT = ("-Wno-fatal", "-Wno-lint", "-Wno-style")
MAX_IDLE_CYCLES = 200_000
PROBES = ("all", "last")


def load_frames(model: ModelWrapper, frames: int, input_npy, seed: int, input_scale: float) -> np.ndarray:
    shape = tuple(model.get_tensor_shape(model.graph.input[0].name))[1:]
    if input_npy is None:
        rng = np.random.default_rng(seed)
        return rng.integers(0, int(input_scale) + 1, size=(frames, *shape)).astype(np.float32)
    path = Path(input_npy)
    if not path.is_file():
        raise BcnnError(f"--input {path}: no such file (expected a .npy of integer pixels, shape (N, {', '.join(map(str, shape))}))")
    return check_frames(model, np.load(path), f"--input {path}", input_scale)[:frames]


def check_frames(model: ModelWrapper, data: np.ndarray, where: str, input_scale: float) -> np.ndarray:
    shape = tuple(model.get_tensor_shape(model.graph.input[0].name))[1:]
    if data.ndim < 1 or len(data) == 0 or data.shape[1:] != shape:
        raise BcnnError(f"{where}: shape {data.shape}, expected (N, {', '.join(map(str, shape))})")
    if np.any(data < 0) or np.any(data > input_scale) or np.any(data != np.round(data)):
        raise BcnnError(f"{where}: pixels must be integers in [0, {int(input_scale)}]")
    return data.astype(np.float32)


def simulate(build_dir, frames: int = 4, input_npy=None, backpressure: bool = False, seed: int = 0,
             probe: str = "all", cache: Path = vl.DEFAULT_CACHE, inputs: np.ndarray | None = None,
             fifo_caps: dict | None = None) -> dict:
    """Simulate `frames` frames: `inputs` (N, ...) integer pixels, else the .npy at `input_npy`,
    else random ones. `fifo_caps` (FIFO name -> depth, at most its stitched one) runs those FIFOs
    as if stitched at that depth, on the same compiled design (hw/fifo/bcnn_fifo.sv). Writes
    sim/report.json and the accelerator's output codes, sim/outputs.npy (frames, beats per frame,
    elements per beat)."""
    build_dir = Path(build_dir)
    rtl_dir = build_dir / "rtl"
    if not (rtl_dir / "stitch.json").is_file():
        raise BcnnError(f"{build_dir}: no stitched RTL (rtl/stitch.json); build with the rtl backend first")
    if frames < 1:
        raise BcnnError(f"--frames must be at least 1, got {frames}")
    if probe not in PROBES:
        raise BcnnError(f"--probe {probe}: valid values are {', '.join(PROBES)}")
    info = json.loads((rtl_dir / "stitch.json").read_text())
    if fifo_caps and "bcnn_fifo_cap_" not in (rtl_dir / "bcnn_fifo.sv").read_text():
        raise BcnnError(f"{build_dir}: its FIFOs were stitched before bcnn could hold them lower in a "
                        "simulation; build it again to use --fifo here")
    info, plusargs = with_fifo_caps(info, fifo_caps or {})
    estimates = json.loads((build_dir / "report" / "estimates.json").read_text())
    cfg = yaml.safe_load((build_dir / "build.yaml").read_text())
    sim_dir = build_dir / "sim"
    for old in ("report.json", "outputs.npy"):  # never leave an older verdict behind
        (sim_dir / old).unlink(missing_ok=True)
    run_dir = sim_dir / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    use_build_dir(run_dir / "finn_tmp")
    model = ModelWrapper(str(build_dir / "model.onnx"))
    df = ModelWrapper(str(build_dir / "dataflow.onnx"))
    view = generic_view(df)  # python-executable, same node order
    streams = layouts(df)  # stream shapes are the specialized layers' (e.g. a parallel-window SWG)
    in_inst = getCustomOp(df.graph.node[0])

    pixels = load_frames(model, frames, input_npy, seed, cfg["input_scale"]) if inputs is None \
        else check_frames(model, np.asarray(inputs), "inputs", cfg["input_scale"])[:frames]
    frames = len(pixels)  # a user's file may hold fewer frames than asked for
    in_dt, in_elems = in_inst.get_input_datatype(), in_inst.get_folded_input_shape()[-1]
    start = time.perf_counter()
    df_inputs = [dataflow_input(model, frame) for frame in pixels]
    stimulus = vl.pack(codes(np.concatenate([np.asarray(x).reshape(-1, in_elems) for x in df_inputs]), in_dt),
                       in_dt.bitwidth())
    stimulus_seconds = time.perf_counter() - start
    for name in info["memory_files"]:
        shutil.copy(rtl_dir / name, run_dir / name)

    # The harness always reads the core's probe ports, and records them only when asked: one binary
    # serves both probe modes (a design simulated both ways compiles once, not twice).
    compiled_probes = tuple(info["probe_words"])
    probe_words = compiled_probes if probe == "all" else ()
    start = time.perf_counter()
    try:
        binary = vl.build([rtl_dir / s for s in info["sources"]], info["core"], {}, cache=cache,
                          lint_flags=THIRD_PARTY_LINT, fifo_fields=len(info["fifo_depths"]),
                          probe_words=compiled_probes)
    except vl.VerilatorFailed as exc:
        raise InternalError(f"{build_dir}: Verilator could not compile the stitched RTL{failing_layer(info, exc)}: "
                            f"{exc.errors[0] if exc.errors else 'the C++ build failed'}; log: {exc.log}") from exc
    build_seconds = time.perf_counter() - start
    last = streams[-1]
    output = next(s for s in info["streams"] if s["dst"] is None)
    valid, ready = (70, 60) if backpressure else (100, 100)
    checked = streams if probe == "all" else [last]
    gates = GateRecorder(df)  # FracBNN: cycles depend on the inputs
    reference = {}

    def execute_reference():  # while Verilator runs, in its own process
        begin = time.perf_counter()
        # one BLAS thread: a second would take the core Verilator runs on
        with threadpool_limits(limits=1):
            reference["digests"] = reference_digests(view, df_inputs, checked, last_only=probe != "all",
                                                     observe=gates.observe)
        reference["seconds"] = time.perf_counter() - begin

    start = time.perf_counter()
    try:
        result = vl.run(binary, run_dir, stimulus,
                        output["width"], frames * last.beats_per_frame, valid, ready, seed,
                        MAX_IDLE_CYCLES, probe_words=probe_words, while_running=execute_reference,
                        plusargs=plusargs)
    except vl.SimulationStopped as exc:
        detail = stalled_stage(info, exc.fifo_now) if isinstance(exc, vl.Deadlock) else ""
        counts = {s.name: {"beats": len(p), "expected_beats": frames * s.beats_per_frame}
                  for s, p in zip(streams, exc.probes)}
        _write_report(sim_dir, {"bit_exact": False, "frames": frames, "error": f"{exc} {detail}".strip(),
                                "stream_beats": counts})
        raise BcnnError(f"{build_dir}: {exc} {detail}".strip()) from exc
    run_seconds = time.perf_counter() - start

    start = time.perf_counter()
    per_stream, first, bad_frames = compare_streams(view, df_inputs, checked,
                                                    result.probes if probe == "all" else [result.out_words],
                                                    reference["digests"], last_only=probe != "all")
    compare_seconds = time.perf_counter() - start
    lost = [e["stage"] for e in per_stream if not e["count_ok"]]
    got_out = last.unpack(result.out_words).reshape(frames, -1, last.elems)

    done = result.out_cycles[last.beats_per_frame - 1::last.beats_per_frame].astype(np.int64)
    interval = float(np.mean(np.diff(done))) if frames > 1 else None
    analytic = estimates["analytic_cycles_per_frame"]
    pipeline_fps = 1e9 / (estimates["clock_ns"] * interval) if interval else None
    moving = estimates.get("data_movement")  # absent in builds older than the board's bound
    gating = gates.report()
    if gating is not None:
        analytic = gating["analytic_cycles_per_frame"]
    report = {
        "bit_exact": not bad_frames,
        "probe": probe,
        "frames": frames,
        "mismatches": len(bad_frames),
        "first_mismatch": {**asdict(first), "where": first.describe()} if first else None,
        "streams_with_lost_or_extra_beats": lost,
        "streams": per_stream,
        "backpressure": backpressure,
        "cycles_per_frame": interval,
        "latency_cycles": int(done[0] - result.first_in_cycle),
        "analytic_cycles_per_frame": analytic,
        "cycles_vs_analytic": interval / analytic if interval else None,
        "fractional_gating": gating,
        # on the board: the simulated pipeline's rate or the data movement's, the smaller
        "fps_at_clock": board_fps(pipeline_fps, moving)[0],
        "pipeline_fps_at_clock": pipeline_fps,
        "total_cycles": result.cycles,
        "max_fifo_occupancy": dict(zip(info["fifo_names"], result.fifo_max)),
        "fifo_depths": info["fifo_depths"],  # as simulated: `fifo_caps` below the stitched depths
        "fifo_caps": dict(fifo_caps or {}),
        "sim_seconds": round(result.seconds, 3),  # Verilator's own time, as the harness measured it
        "reference_seconds": round(reference["seconds"], 3),  # python execution, overlapping sim_seconds
        "run_seconds": round(run_seconds, 3),  # wall time of both together
        "compare_seconds": round(compare_seconds, 3),  # recorded streams against the reference, after the run
        "stimulus_seconds": round(stimulus_seconds, 3),  # host nodes and packing of the input frames
        "sim_cycles_per_second": result.cycles / result.seconds if result.seconds > 0 else None,
        "verilator_build_seconds": round(build_seconds, 2),
        "labels_sim": got_out[:, :, 0].tolist() if last.elems == 1 else None,
    }
    np.save(sim_dir / "outputs.npy", got_out)
    _write_report(sim_dir, report)
    return report


def _write_report(sim_dir: Path, report: dict) -> None:
    write_json(sim_dir / "report.json", report)


def with_fifo_caps(info: dict, caps: dict) -> tuple:
    """(stitch info with the FIFOs of `caps` (name -> depth) at those depths, the harness' plusargs
    that hold them there)."""
    names, depths = info["fifo_names"], info["fifo_depths"]
    for name, depth in caps.items():
        if name not in names:
            raise BcnnError(f"FIFO '{name}' is not in this design; its FIFOs: {', '.join(names)}")
        stitched = depths[names.index(name)]
        if not 1 <= depth <= stitched:
            raise BcnnError(f"FIFO '{name}': a simulation can hold it at 1 to {stitched} words (its stitched "
                            f"depth), not {depth}; stitch it deeper for more (bcnn build --fifo)")
    capped = [caps.get(n, d) for n, d in zip(names, depths)]
    fifos = iter(capped)  # info["streams"] with a destination are the FIFOs, in the same order
    streams = [{**st, "depth": next(fifos)} if st["dst"] is not None else st for st in info["streams"]]
    plusargs = tuple(f"+bcnn_fifo_cap_{names.index(n)}={d}" for n, d in sorted(caps.items()))
    return {**info, "fifo_depths": capped, "streams": streams}, plusargs


def failing_layer(info: dict, exc: "vl.VerilatorFailed") -> str:
    """` at layer 'X' (module)` for the stage the first error is in: by its instance in the
    stitched core (u<i>_<stage>), else by the source file only that stage reads."""
    if not exc.errors:
        return ""
    error, stages = exc.errors[0], info["stages"]
    by_instance = {f"u{i}_{s['name']}": s for i, s in enumerate(stages)}
    parts = (error.instance or "").split(".")
    stage = by_instance.get(parts[1]) if len(parts) > 1 else None
    if stage is None:
        readers = [s for s in stages if Path(error.file).name in s["sources"]]
        stage = readers[0] if len(readers) == 1 else None
    return f" at layer '{stage['name']}' ({stage['module']})" if stage else ""


def stalled_stage(info: dict, fifo_now: list) -> str:
    """Name where the data stopped: a stage that has a full input FIFO while another of its inputs
    is empty (a join waiting on a starved branch: the other FIFO is too small), else a stage whose
    input FIFO is full while every output FIFO is empty, else the last stage with input waiting."""
    if not fifo_now:
        return ""
    fifos = [s for s in info["streams"] if s["dst"] is not None]
    depth = {i: s["depth"] for i, s in enumerate(fifos)}
    inputs, outputs = {}, {}
    for i, s in enumerate(fifos):
        inputs.setdefault(s["dst"], []).append(i)
        outputs.setdefault(s["src"], []).append(i)
    for stage, ins in inputs.items():
        full = [i for i in ins if fifo_now[i] >= depth[i]]
        empty = [i for i in ins if fifo_now[i] == 0]
        if full and empty:
            f = fifos[full[0]]
            return (f"(stalled stage: {stage}, its input from {f['src']} full ({depth[full[0]]} words"
                    f"{', the shortcut' if f['shortcut'] else ''}) while its input from {fifos[empty[0]]['src']} "
                    "is empty: the long branch needs more than that FIFO holds)")
    for stage, ins in inputs.items():
        if any(fifo_now[i] >= depth[i] for i in ins) and all(fifo_now[o] == 0 for o in outputs.get(stage, [])):
            return f"(stalled stage: {stage}, input FIFO full, output empty)"
    waiting = [fifos[i]["dst"] for i in range(len(fifos)) if fifo_now[i] > 0]
    if waiting:
        return f"(stalled stage: {waiting[-1]}, input waiting, every FIFO after it empty)"
    return f"(FIFO occupancies: {dict(zip(info['fifo_names'], fifo_now))})"
