"""Every SystemVerilog module in hw/ lints clean under Verilator -Wall, at its defaults and at
parameter sets that exercise its other branches."""
import subprocess

import pytest

from build_flows.sim.verilator import VERILATOR
from hw import source_root

# A module's other hw/ modules it instantiates (linted together).
NEEDS = {"mvau/bcnn_mvau.sv": ["memory/bcnn_rom.sv", "mvau/bcnn_activate.sv"],
         "frac_mvau/bcnn_frac_mvau.sv": ["memory/bcnn_rom.sv", "mvau/bcnn_activate.sv"], "thresholding/bcnn_thresholding.sv": ["memory/bcnn_rom.sv"],
         "join/tb_bcnn_fork_add.sv": ["fork/bcnn_fork.sv", "join/bcnn_add.sv", "fifo/bcnn_fifo.sv"],
         "concat/tb_bcnn_concat.sv": ["fork/bcnn_fork.sv", "dwc/bcnn_dwc.sv", "concat/bcnn_concat.sv"]}
VARIANTS = {
    "memory/bcnn_rom.sv": ["", '-GSTYLE="distributed"', '-GSTYLE="distributed" -GDEPTH=1'],
    "check/bcnn_axis_check.sv": ["", "-GWIDTH=1"],
    "thresholding/bcnn_thresholding.sv": ["", "-GPE=1 -GCHANNELS=1 -GSTAGES=1", "-GIN_SIGNED=1 -GSTAGES=8 -GIN_BITS=8 "
                                          "-GOUT_BITS=8 -GACT_VAL=-128 -GCHANNELS=3 -GPE=3"],
    "mvau/bcnn_mvau.sv": ["", "-GXNOR=0 -GIN_BITS=8 -GIN_SIGNED=1", "-GXNOR=0 -GW_BIPOLAR=0 -GW_BITS=2 -GIN_BITS=2 "
                          "-GIN_SIGNED=1 -GN_THRES=2 -GOUT_BITS=2 -GACT_VAL=-1", "-GN_THRES=0", "-GMW=16 -GSIMD=16 -GMH=1 -GPE=1",
                          '-GWEIGHT_STYLE="distributed" -GTHRESH_STYLE="block"'],
    "frac_mvau/bcnn_frac_mvau.sv": ["", "-GN_THRES=0", "-GN_THRES=1 -GOUT_BITS=1", "-GMW=8 -GSIMD=8 -GMH=3 -GPE=3",
                                    '-GWEIGHT_STYLE="distributed"'],
    "thermometer/bcnn_thermometer.sv": ["", "-GPE=3 -GLEVELS=1 -GTHRESHOLDS=9'd128"],
    "mvau/bcnn_activate.sv": ["", "-GN_THRES=0", "-GPE=1 -GN_THRES=3 -GOUT_BITS=2 -GACT_VAL=-1"],
    "repeat/bcnn_repeat.sv": ["", "-GFOLDS=1 -GREPEATS=3", "-GSIMD=1 -GBITS=1 -GFOLDS=5 -GREPEATS=1"],
    "fifo/bcnn_fifo.sv": ["", "-GDEPTH=1", "-GDEPTH=5 -GWIDTH=70"],
    "axis_last/bcnn_axis_last.sv": ["", "-GBEATS=1", "-GBEATS=1000 -GWIDTH=1"],
    "dwc/bcnn_dwc.sv": ["", "-GIN_ELEMS=1 -GOUT_ELEMS=32", "-GBITS=11 -GIN_ELEMS=5 -GOUT_ELEMS=1",
                        "-GIN_ELEMS=2 -GOUT_ELEMS=4", "-GIN_ELEMS=8 -GOUT_ELEMS=4"],
    "fork/bcnn_fork.sv": ["", "-GOUTPUTS=1 -GWIDTH=1", "-GOUTPUTS=3 -GWIDTH=17"],
    "join/bcnn_add.sv": ["", "-GPE=3 -GA_BITS=1 -GB_BITS=9 -GOUT_BITS=10 -GA_SIGNED=0", "-GA_BITS=32 -GB_BITS=32 -GOUT_BITS=33"],
    "join/tb_bcnn_fork_add.sv": ["", "-GPE=1 -GA_BITS=4 -GB_BITS=9 -GOUT_BITS=11 -GB_SIGNED=0"],
    "concat/bcnn_concat.sv": ["", "-GINPUTS=1 -GFOLDS=16'd3 -GWIDTH=1", "-GINPUTS=3 -GFOLDS=48'h000100020003"],
    "concat/tb_bcnn_concat.sv": ["", "-GINPUTS=2 -GFOLDS=32'h00010001 -GTOTAL=2"],
    "global_sum/bcnn_global_sum.sv": ["", "-GPE=1 -GFOLDS=1 -GPIXELS=1 -GIN_SIGNED=0", "-GPE=3 -GIN_BITS=1 -GOUT_BITS=9 -GFOLDS=5 -GPIXELS=196"],
    "maxpool/bcnn_maxpool.sv": ["", "-GK2=1 -GPE=8", "-GSIGNED=1"],
    "sumpool/bcnn_sumpool.sv": ["", "-GK2=1 -GPE=8 -GOUT_BITS=2", "-GIN_SIGNED=1 -GK2=9 -GOUT_BITS=6",
                                "-GBIPOLAR=1 -GIN_BITS=1 -GCHANNELS=1 -GPE=1 -GK2=9 -GOUT_BITS=5"],
    "label_select/bcnn_label_select.sv": ["", "-GK=3 -GPE=5", "-GLABELS=1 -GK=1"],
}


def test_every_module_has_lint_variants():
    found = sorted(str(p.relative_to(source_root())) for p in source_root().rglob("*.sv"))
    assert found == sorted(VARIANTS)


@pytest.mark.parametrize("source, params", [(s, p) for s, ps in VARIANTS.items() for p in ps])
def test_lint_clean(source, params):
    files = [str(source_root() / f) for f in (*NEEDS.get(source, []), source)]
    top = source.rsplit("/", 1)[1][:-3]
    proc = subprocess.run([str(VERILATOR), "--lint-only", "-Wall", "--top-module", top, *params.split(), *files],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("source", sorted(VARIANTS))
def test_every_module_declares_its_nets(source):
    """`default_nettype none` catches a misspelt net; restoring `wire` at the end keeps it from
    leaking into third-party files compiled after ours."""
    lines = [line.strip() for line in (source_root() / source).read_text().splitlines() if line.strip()]
    assert lines[0] == "`default_nettype none" and lines[-1] == "`default_nettype wire"
