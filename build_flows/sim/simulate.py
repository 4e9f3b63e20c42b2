"""`bcnn sim`: stream frames through the stitched accelerator in Verilator, cycle by cycle, and
compare every output with the QONNX-level execution of the same build.

Inputs are integer pixels (random, seeded, or a user's .npy). The host part of the graph (layout
ops before the dataflow partition) runs in python; its output is what the accelerator's input
stream carries, packed as FINN+ packs streams (element 0 in the lowest bits)."""
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np
import yaml
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp

from models.errors import BcnnError

from ..finn_env import use_build_dir
from ..verify import executable
from . import verilator as vl

# FINN+'s generated RTL and finn-rtllib are third-party: build them without lint (our own hw/
# modules and the stitched top are linted separately, with -Wall, in the tests).
THIRD_PARTY_LINT = ("-Wno-fatal", "-Wno-lint", "-Wno-style")
MAX_IDLE_CYCLES = 200_000


def load_frames(model: ModelWrapper, frames: int, input_npy, seed: int, input_scale: float) -> np.ndarray:
    shape = tuple(model.get_tensor_shape(model.graph.input[0].name))[1:]
    if input_npy is None:
        rng = np.random.default_rng(seed)
        return rng.integers(0, int(input_scale) + 1, size=(frames, *shape)).astype(np.float32)
    path = Path(input_npy)
    if not path.is_file():
        raise BcnnError(f"--input {path}: no such file (expected a .npy of integer pixels, shape (N, {', '.join(map(str, shape))}))")
    data = np.load(path)
    if data.ndim < 1 or len(data) == 0 or data.shape[1:] != shape:
        raise BcnnError(f"--input {path}: shape {data.shape}, expected (N, {', '.join(map(str, shape))})")
    if np.any(data < 0) or np.any(data > input_scale) or np.any(data != np.round(data)):
        raise BcnnError(f"--input {path}: pixels must be integers in [0, {int(input_scale)}]")
    return data[:frames].astype(np.float32)


def reference(model: ModelWrapper, frame: np.ndarray) -> tuple:
    """-> (dataflow input tensor, whole-model output) for one frame."""
    sdp = model.get_nodes_by_op_type("StreamingDataflowPartition")[0]
    ctx = execute_onnx(model, {model.graph.input[0].name: frame[None]}, return_full_exec_context=True)
    return ctx[sdp.input[0]], ctx[sdp.output[0]]


def simulate(build_dir, frames: int = 4, input_npy=None, backpressure: bool = False, seed: int = 0,
             cache: Path = vl.DEFAULT_CACHE) -> dict:
    build_dir = Path(build_dir)
    stitch_path = build_dir / "rtl" / "stitch.json"
    if not stitch_path.is_file():
        raise BcnnError(f"{build_dir}: no stitched RTL (rtl/stitch.json); build with the rtl backend first")
    if frames < 1:
        raise BcnnError(f"--frames must be at least 1, got {frames}")
    info = json.loads(stitch_path.read_text())
    estimates = json.loads((build_dir / "report" / "estimates.json").read_text())
    cfg = yaml.safe_load((build_dir / "build.yaml").read_text())
    sim_dir = build_dir / "sim"
    run_dir = sim_dir / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    use_build_dir(run_dir / "finn_tmp")
    model = executable(ModelWrapper(str(build_dir / "model.onnx")), run_dir / "finn_tmp")
    df = ModelWrapper(str(build_dir / "dataflow.onnx"))
    first, last = getCustomOp(df.graph.node[0]), getCustomOp(df.graph.node[-1])

    pixels = load_frames(model, frames, input_npy, seed, cfg["input_scale"])
    frames = len(pixels)  # a user's file may hold fewer frames than asked for
    in_dt, out_dt = first.get_input_datatype(), last.get_output_datatype()
    in_elems, out_elems = first.get_folded_input_shape()[-1], last.get_folded_output_shape()[-1]
    out_beats_per_frame = int(np.prod(last.get_folded_output_shape()[:-1]))
    stream, expected = [], []
    for frame in pixels:
        df_in, df_out = reference(model, frame)
        stream.append(np.asarray(df_in).reshape(-1, in_elems))
        expected.append(np.asarray(df_out).reshape(-1, out_elems))
    stream, expected = np.concatenate(stream), np.stack(expected)
    for memory in (build_dir / "rtl").iterdir():
        if memory.suffix in (".hex", ".dat"):
            shutil.copy(memory, run_dir / memory.name)

    start = time.perf_counter()
    binary = vl.build(info["sources"], info["top"], {}, cache=cache, lint_flags=THIRD_PARTY_LINT,
                      fifo_fields=len(info["fifo_depths"]))
    build_seconds = time.perf_counter() - start
    stages = [s["name"] for s in info["stages"]]
    valid, ready = (70, 60) if backpressure else (100, 100)
    start = time.perf_counter()
    try:
        result = vl.run(binary, run_dir, vl.pack(_codes(stream, in_dt), in_dt.bitwidth()),
                        info["stages"][-1]["out_bits"], frames * out_beats_per_frame, valid, ready, seed, MAX_IDLE_CYCLES)
    except vl.Deadlock as exc:
        raise BcnnError(f"{build_dir}: {exc} {_stalled_stage(stages, exc.fifo_now, info['fifo_depths'])}") from exc
    sim_seconds = time.perf_counter() - start

    got = vl.unpack(result.out_words, out_dt.bitwidth(), out_elems, signed=out_dt.signed())
    got = got.reshape(frames, -1, out_elems)
    mismatches = int(sum(not np.array_equal(g, _codes(e, out_dt)) for g, e in zip(got, expected)))
    done = result.out_cycles[out_beats_per_frame - 1::out_beats_per_frame].astype(np.int64)
    interval = float(np.mean(np.diff(done))) if frames > 1 else None
    analytic = estimates["analytic_cycles_per_frame"]
    report = {
        "bit_exact": mismatches == 0,
        "frames": frames,
        "mismatches": mismatches,
        "backpressure": backpressure,
        "cycles_per_frame": interval,
        "latency_cycles": int(done[0] - result.first_in_cycle),
        "analytic_cycles_per_frame": analytic,
        "cycles_vs_analytic": interval / analytic if interval else None,
        "fps_at_clock": 1e9 / (estimates["clock_ns"] * interval) if interval else None,
        "total_cycles": result.cycles,
        "max_fifo_occupancy": dict(zip([f"{a}->{b}" for a, b in zip(stages, stages[1:])], result.fifo_max)),
        "fifo_depths": info["fifo_depths"],
        "sim_seconds": round(sim_seconds, 3),
        "sim_cycles_per_second": result.cycles / sim_seconds if sim_seconds > 0 else None,
        "verilator_build_seconds": round(build_seconds, 2),
        "labels_sim": got[:, :, 0].tolist() if out_elems == 1 else None,
    }
    tmp = sim_dir / "report.json.partial"
    tmp.write_text(json.dumps(report, indent=2))
    os.replace(tmp, sim_dir / "report.json")
    return report


def _codes(values: np.ndarray, dt: DataType) -> np.ndarray:
    """Stream codes of FINN+ values: bipolar {-1, +1} travels as {0, 1}; integers as themselves."""
    values = np.asarray(values)
    if dt == DataType["BIPOLAR"]:
        return (values > 0).astype(np.int64)
    return values.astype(np.int64)


def _stalled_stage(stages: list, fifo_now: list, depths: list) -> str:
    """Name the first stage whose input FIFO is full while its output FIFO is empty."""
    if not fifo_now:
        return ""
    for i in range(1, len(stages)):
        in_full = fifo_now[i - 1] >= depths[i - 1]
        out_empty = i == len(stages) - 1 or fifo_now[i] == 0
        if in_full and out_empty:
            return f"(stalled stage: {stages[i]}, input FIFO full, output empty)"
    return f"(FIFO occupancies: {dict(zip(stages[1:], fifo_now))})"
