"""Verilator or Yosys refusing RTL that bcnn generated is a bcnn bug, never the user's: `bcnn sim`,
`bcnn size-fifos` and `bcnn synth` print one line naming the layer, its module and the tool, keep
the tool's log and name it, and leave no older result behind looking like the new one. The
failures are injected into a real build's RTL (a zero-width parameter, a line no parser accepts)."""
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from build_flows.cli import main
from tests.error_lines import one_error_line


def named_log(line: str) -> Path:
    log = Path(re.search(r"; log: (\S+);", line)[1])
    assert log.is_file() and log.stat().st_size > 0
    return log


@pytest.fixture
def zero_width_layer(tmp_path, built) -> Path:
    """A copy of a tfc build whose stitched core gives MVAU_bcnn_1 a zero-bit accumulator."""
    design = Path(shutil.copytree(built("tfc_w1a1"), tmp_path / "design"))
    core = design / "rtl" / "bcnn_core.sv"
    text, count = re.subn(r"(\.ACC_BITS\()\d+(\).*u\d+_MVAU_bcnn_1 \()", r"\g<1>0\2", core.read_text())
    assert count == 1
    core.write_text(text)
    return design


def test_sim_names_the_layer_verilator_refused(zero_width_layer):
    (zero_width_layer / "sim").mkdir(exist_ok=True)
    (zero_width_layer / "sim" / "report.json").write_text('{"bit_exact": true}')  # an older run's verdict
    line = one_error_line(CliRunner().invoke(main, ["sim", str(zero_width_layer), "--frames", "1"]))
    assert line.startswith(f"error: {zero_width_layer}: Verilator could not compile the stitched RTL at layer "
                           "'MVAU_bcnn_1' (bcnn_mvau): "), line
    assert "Width of bit extract must be positive" in line or "zero or negative size" in line
    assert "bcnn_core.sv" in named_log(line).read_text()  # the command line and Verilator's own output
    assert not (zero_width_layer / "sim" / "report.json").exists()


def test_size_fifos_leaves_no_older_sizing_when_verilator_fails(zero_width_layer):
    stale = [zero_width_layer / "fifo_sized.yaml", zero_width_layer / "report" / "fifo_sizing.json"]
    for path in stale:
        path.write_text("{}")
    line = one_error_line(CliRunner().invoke(main, ["size-fifos", str(zero_width_layer)]))
    assert "Verilator could not compile the stitched RTL at layer 'MVAU_bcnn_1' (bcnn_mvau)" in line
    assert not any(path.exists() for path in stale)


def test_synth_names_the_layer_yosys_refused(tmp_path, built):
    """Only the label select is synthesized (stitch.json cut down to it): one short Yosys run."""
    design = Path(shutil.copytree(built("tfc_w1a1"), tmp_path / "design"))
    info = json.loads((design / "rtl" / "stitch.json").read_text())
    info["stages"] = [s for s in info["stages"] if s["name"] == "LabelSelect_bcnn_0"]
    info["streams"] = []
    (design / "rtl" / "stitch.json").write_text(json.dumps(info))
    source = design / "rtl" / "bcnn_label_select.sv"
    source.write_text(source.read_text().replace("endmodule", "  this is not SystemVerilog;\nendmodule"))
    (design / "report" / "synth.json").write_text("{}")  # an older synthesis
    line = one_error_line(CliRunner().invoke(main, ["synth", str(design), "--layers-only"]))
    assert line.startswith(f"error: {design}: Yosys could not synthesize 'LabelSelect_bcnn_0' "
                           "(module bcnn_label_select): "), line
    assert "bcnn_label_select.sv" in named_log(line).read_text()
    assert not (design / "report" / "synth.json").exists()
