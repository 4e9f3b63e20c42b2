"""`bcnn doctor`: on this CI machine (no vendor tools) it names what is missing and exits 1; with
the tools (the stand-ins of tests/data/fake_xilinx), board files, XRT and the platform present it
reports them and exits 0; a bad option is one error line, exit 2."""
import os

import pytest
from click.testing import CliRunner

from build_flows.cli import main

from .vendor_tools import FAKE_XILINX, use_fake_tools, write_board_files


def doctor(*args):
    result = CliRunner().invoke(main, ["doctor", *args])
    lines = result.output.splitlines()
    status = {line.split()[1]: line.split()[0] for line in lines[1:-1]}
    return result.exit_code, status, lines


def test_without_tools_it_names_what_is_missing(monkeypatch):
    use_fake_tools(monkeypatch)  # no stand-in either: this machine's own state
    if any(os.access(os.path.join(d, "vivado"), os.X_OK) for d in os.environ["PATH"].split(os.pathsep)):
        pytest.skip("a vivado is on PATH here")
    code, status, lines = doctor("--board", "Pynq-Z2")
    assert code == 1 and status["vivado"] == "MISSING" and status["board"] == "MISSING"
    assert lines[-1] == "missing for --outputs bitfile on Pynq-Z2: vivado, board files"
    code, status, lines = doctor("--board", "U250")
    assert code == 1 and [status[k] for k in ("vivado", "v++", "XRT", "platform")] == ["MISSING"] * 4


def test_with_the_tools_and_board_files_it_is_ready(monkeypatch, tmp_path):
    use_fake_tools(monkeypatch, "vivado", "vitis")
    boards = write_board_files(tmp_path / "boards", "tul.com.tw", "pynq-z2", "1.0", "1.1")
    code, status, lines = doctor("--board", "Pynq-Z2", "--board-files", str(boards))
    assert code == 0 and lines[-1] == "ready for --outputs bitfile on Pynq-Z2"
    assert any("2024.2 at " + str(FAKE_XILINX / "Vivado" / "2024.2" / "bin" / "vivado") in line for line in lines)
    assert any("tul.com.tw:pynq-z2:part0 1.0, 1.1" in line for line in lines)


def test_alveo_needs_xrt_and_the_platform(monkeypatch, tmp_path):
    use_fake_tools(monkeypatch, "vivado", "vitis")
    platform = "xilinx_u250_gen3x16_xdma_4_1_202210_1"
    (tmp_path / "platforms" / platform).mkdir(parents=True)
    (tmp_path / "platforms" / platform / f"{platform}.xpfm").write_text("")
    (tmp_path / "xrt" / "bin").mkdir(parents=True)
    (tmp_path / "xrt" / "bin" / "xbutil").write_text("")
    monkeypatch.setenv("PLATFORM_REPO_PATHS", str(tmp_path / "platforms"))
    monkeypatch.setenv("XILINX_XRT", str(tmp_path / "xrt"))
    code, status, _ = doctor("--board", "U250")
    assert code == 0 and status["XRT"] == status["platform"] == status["v++"] == "ok"


def test_a_vivado_variable_pointing_nowhere_is_named(monkeypatch, tmp_path):
    use_fake_tools(monkeypatch)
    monkeypatch.setenv("XILINX_VIVADO", str(tmp_path / "Vivado"))
    _, status, lines = doctor("--board", "ZCU104")
    assert status["vivado"] == "MISSING"
    assert any(f"XILINX_VIVADO={tmp_path / 'Vivado'} has no executable bin/vivado" in line for line in lines)


def test_a_bad_board_is_one_error_line():
    result = CliRunner().invoke(main, ["doctor", "--board", "Zedboard"])
    assert result.exit_code == 2 and result.output.strip().splitlines() == [
        "error: unknown board 'Zedboard'; valid boards: Pynq-Z1, Pynq-Z2, Ultra96, Ultra96-V2, ZCU104, KV260, U250, U280"]
