"""Every SystemVerilog module in hw/ lints clean under Verilator -Wall, at its defaults and at
parameter sets that exercise its other branches."""
import subprocess

import pytest

from build_flows.sim.verilator import VERILATOR
from hw import source_root

VARIANTS = {
    "mvau/bcnn_mvau.sv": ["", "-GXNOR=0 -GIN_BITS=8 -GIN_SIGNED=1", "-GXNOR=0 -GW_BIPOLAR=0 -GW_BITS=2 -GIN_BITS=2 "
                          "-GIN_SIGNED=1 -GN_THRES=2 -GOUT_BITS=2 -GACT_VAL=-1", "-GN_THRES=0", "-GMW=16 -GSIMD=16 -GMH=1 -GPE=1"],
    "fifo/bcnn_fifo.sv": ["", "-GDEPTH=1", "-GDEPTH=5 -GWIDTH=70"],
    "maxpool/bcnn_maxpool.sv": ["", "-GK2=1 -GPE=8", "-GSIGNED=1"],
    "label_select/bcnn_label_select.sv": ["", "-GK=3 -GPE=5", "-GLABELS=1 -GK=1"],
}


def test_every_module_has_lint_variants():
    found = sorted(str(p.relative_to(source_root())) for p in source_root().rglob("*.sv"))
    assert found == sorted(VARIANTS)


@pytest.mark.parametrize("source, params", [(s, p) for s, ps in VARIANTS.items() for p in ps])
def test_lint_clean(source, params):
    proc = subprocess.run([str(VERILATOR), "--lint-only", "-Wall", *params.split(), str(source_root() / source)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
