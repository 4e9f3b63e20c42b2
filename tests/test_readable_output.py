"""Tables are printed whole where no terminal is (a CI log, `| tee`): every layer name and number
in full, however wide the table, where rich would cut it to 80 columns ("lay…", "532…")."""
import io
import json
import subprocess
import sys

from click.testing import CliRunner
from rich.console import Console
from rich.table import Table

from build_flows.cli import main
from build_flows.cli.tables import print_table

TERMINAL_WIDTH = 80


def assert_layers_whole(output: str, build_dir):
    est = json.loads((build_dir / "report" / "estimates.json").read_text())
    lines = output.splitlines()
    assert "…" not in output
    assert max(map(len, lines)) > TERMINAL_WIDTH  # the table is wider than rich's default: the check can fail
    for layer in est["layers"]:
        row = next((line for line in lines if f" {layer['name']} " in line), None)
        assert row is not None, f"{layer['name']} missing:\n{output}"
        assert f" {layer['op_type']} " in row and f" {layer['cycles']} " in row and f" {layer['lut']} " in row, row


def test_report_through_a_pipe_prints_the_whole_table(built):
    build_dir = built("tfc_w1a1")
    proc = subprocess.run([sys.executable, "-m", "build_flows.cli", "report", str(build_dir)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert_layers_whole(proc.stdout, build_dir)


def test_build_output_captured_prints_the_whole_table(tmp_path, exported):
    out = tmp_path / "b"
    result = CliRunner().invoke(main, ["build", str(exported("tfc_w1a1")), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert_layers_whole(result.stdout, out)


def test_a_wide_sweep_table_keeps_every_cell():
    table = Table(title="3 designs of cnv_w1a1.onnx for Pynq-Z1")
    cells = ["0123abcd", "fastest x1.5, FIFO depth 32", "5,324,800", "18.78", "123,456,789", "LUT synthesized",
             "BRAM18 of 280", "True", "False", "ConvolutionInputGenerator_rtl_12 -> MVAU_bcnn_12"]
    for i, _ in enumerate(cells):
        table.add_column(f"column {i}")
    table.add_row(*cells)
    out = io.StringIO()
    print_table(table, console=Console(file=out))
    assert all(cell in out.getvalue() for cell in cells), out.getvalue()
