"""Whole builds with the vendor tools "installed": the stand-ins of tests/data/fake_xilinx on PATH
(`vivado` runs our Tcl under the Vivado stub, `v++` makes v++'s link checks). What a user's first
build does: package, check the IP, build the shell, gate on timing, deploy; a failure keeps its
logs (and a finished bitstream) where the one error line points."""
import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from build_flows.cli import main
from build_flows.config import BuildConfig
from build_flows.flow import run_build
from build_flows.vendor.pending import VendorStepFailed, VendorToolsMissing
from models.errors import BcnnError

from .vendor_tools import FAKE_XILINX, use_fake_tools, write_board_files


def build(exported, tmp_path, board="Pynq-Z2", name="b", **options) -> Path:
    cfg = BuildConfig(model=str(exported("tfc_w1a1")), out=str(tmp_path / name), board=board, folding="tfc_w1a1",
                      outputs=["bitfile", "deploy"], batch=3, **options)
    return run_build(cfg, show_progress=False)


@pytest.fixture()
def pynq_z2_boards(tmp_path):
    return write_board_files(tmp_path / "boards", "tul.com.tw", "pynq-z2", "1.0")


def test_zynq_build_packages_checks_implements_and_deploys(exported, tmp_path, monkeypatch, pynq_z2_boards):
    """The whole Pynq-Z2 path with Vivado present; Vivado's own log does not overwrite ours (row 17)."""
    use_fake_tools(monkeypatch, "vivado")
    out = build(exported, tmp_path, board_files=str(pynq_z2_boards))
    assert "ipx::save_core" in (out / "ip" / "package_ip.log").read_text()
    assert not (out / "ip" / "vivado.log").exists()  # -nolog: package_ip.log is the one log
    settings = json.loads((out / "deploy" / "settings.json").read_text())
    assert settings["bitfile"] == "bcnn.bit" and (out / "deploy" / "bcnn.hwh").is_file()
    assert settings["timing"]["met"] is True and settings["pl_clock_mhz"] == 100.0
    assert not (out / "report" / "vendor.json").exists()


def test_a_failed_timing_gate_keeps_logs_and_bitstream_where_the_error_points(exported, tmp_path, monkeypatch,
                                                                             pynq_z2_boards):
    """Rows 5 and 14: the build is in place, the error names its timing report and log, the
    bitstream stays in vivado/output/ and is not deployed."""
    use_fake_tools(monkeypatch, "vivado")
    monkeypatch.setenv("STUB_WNS", "-0.125")
    with pytest.raises(VendorStepFailed) as caught:
        build(exported, tmp_path, board_files=str(pynq_z2_boards))
    out = tmp_path / "b"
    said = str(caught.value)
    assert "timing not met (WNS -0.125 ns" in said and str(out / "vivado" / "build.log") in said
    assert ".partial" not in said and (out / "vivado" / "build.log").is_file()
    assert (out / "vivado" / "output" / "bcnn.bit").is_file() and (out / "vivado" / "output" / "timing.rpt").is_file()
    settings = json.loads((out / "deploy" / "settings.json").read_text())
    assert settings["bitfile"] is None and settings["timing"]["met"] is False
    assert not (out / "deploy" / "bcnn.bit").exists()


def test_a_vivado_error_is_one_line_naming_it_and_its_log(exported, tmp_path, monkeypatch):
    """Row 5 again, through the CLI: no board files for a Pynq-Z2 -> Vivado's error, the build shown."""
    use_fake_tools(monkeypatch, "vivado")
    result = CliRunner().invoke(main, ["build", str(exported("tfc_w1a1")), "--board", "Pynq-Z2", "--folding", "tfc_w1a1",
                                       "--outputs", "bitfile", "--out", str(tmp_path / "c")])
    assert result.exit_code == 2 and "build written to" in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "no board files for Pynq-Z2" in errors[0] and "Traceback" not in result.output
    log = tmp_path / "c" / "vivado" / "build.log"
    assert str(log) in errors[0] and "no board files for Pynq-Z2" in log.read_text()


def test_u250_build_links_checks_timing_and_deploys_the_xclbin(exported, tmp_path, monkeypatch):
    use_fake_tools(monkeypatch, "vivado", "vitis")
    out = build(exported, tmp_path, board="U250")
    settings = json.loads((out / "deploy" / "settings.json").read_text())
    assert settings["bitfile"] == "bcnn.xclbin" and settings["timing"]["met"] is True
    assert (out / "vitis" / "package_xo.log").is_file()


def test_u250_negative_slack_fails_the_gate(exported, tmp_path, monkeypatch):
    use_fake_tools(monkeypatch, "vivado", "vitis")
    monkeypatch.setenv("STUB_WHS", "-0.02")
    with pytest.raises(VendorStepFailed, match=r"timing not met \(WNS 0.5 ns, WHS -0.02 ns"):
        build(exported, tmp_path, board="U250")
    assert not (tmp_path / "b" / "deploy" / "bcnn.xclbin").exists()


def test_xilinx_vivado_alone_is_enough_and_a_wrong_one_is_named(exported, tmp_path, monkeypatch, pynq_z2_boards):
    """Row 17: XILINX_VIVADO set, vivado not on PATH: the scripts get its bin/ on PATH; one that
    points at no vivado is a missing tool, named, not a traceback."""
    use_fake_tools(monkeypatch)
    monkeypatch.setenv("XILINX_VIVADO", str(FAKE_XILINX / "Vivado" / "2024.2"))
    out = build(exported, tmp_path, board_files=str(pynq_z2_boards))
    assert (out / "deploy" / "bcnn.bit").is_file()
    monkeypatch.setenv("XILINX_VIVADO", str(tmp_path / "nowhere"))
    with pytest.raises(VendorToolsMissing, match=r"XILINX_VIVADO=.*nowhere has no executable bin/vivado"):
        build(exported, tmp_path, name="c", board_files=str(pynq_z2_boards))


def test_board_files_are_made_absolute_and_checked(exported, tmp_path, monkeypatch, pynq_z2_boards):
    """Row 11: a relative --board-files survives the script's cd; a folder without the board is refused."""
    use_fake_tools(monkeypatch, "vivado")
    monkeypatch.chdir(tmp_path)
    out = build(exported, tmp_path, board_files="boards")
    assert f"set_param board.repoPaths {pynq_z2_boards}" in (out / "vivado" / "build.log").read_text()
    with pytest.raises(BcnnError, match=r"--board-files elsewhere: no board.xml of tul.com.tw:pynq-z2"):
        build(exported, tmp_path, name="c", board_files=str(write_board_files(tmp_path / "elsewhere", "avnet.com",
                                                                              "ultra96v2", "1.2").relative_to(tmp_path)))
    with pytest.raises(BcnnError, match="--board-files missing: no such directory"):
        build(exported, tmp_path, name="d", board_files="missing")


def test_hls_backend_needs_finn_deps_and_says_so(exported, tmp_path, monkeypatch):
    """Row 15: with the tools present but no `finn deps update`, one line names it before FINN+ runs."""
    use_fake_tools(monkeypatch, "vivado", "vitis_hls")
    cfg = BuildConfig(model=str(exported("tfc_w1a1")), out=str(tmp_path / "h"), folding="tfc_w1a1", backend="hls",
                      outputs=["hls"])
    with pytest.raises(BcnnError, match=r"finn-hlslib.*finn deps update"):
        run_build(cfg, show_progress=False)


def test_hls_backend_refuses_our_layers_by_name(exported, tmp_path):
    """Row 16: a FracBNN model's thermometer and fractional units have no HLS version: refused, named."""
    cfg = BuildConfig(model=str(exported("tfc_w1a1", "fracbnn")), out=str(tmp_path / "f"), backend="hls",
                      outputs=["estimates", "hls"])
    with pytest.raises(BcnnError) as caught:
        run_build(cfg, show_progress=False)
    said = str(caught.value)
    assert "--backend hls" in said and re.findall(r"\w+_bcnn_\d+", said) == [
        "Thermometer_bcnn_0", "FracMVAU_bcnn_0", "FracMVAU_bcnn_1"]
    assert "--backend rtl" in said


def test_the_first_contact_checklist_prints_what_docs_vendor_md_says(exported, tmp_path, monkeypatch, pynq_z2_boards):
    """docs/vendor.md's first-contact checklist, command by command, with the stand-in Vivado:
    doctor, package the IP, validate the block design, implement with the timing gate."""
    use_fake_tools(monkeypatch, "vivado")
    model, out = str(exported("tfc_w1a1")), tmp_path / "first"
    common = [model, "--board", "Pynq-Z2", "--folding", "tfc_w1a1", "--board-files", str(pynq_z2_boards), "--out", str(out)]
    result = CliRunner().invoke(main, ["doctor", "--board", "Pynq-Z2", "--board-files", str(pynq_z2_boards)])
    assert result.exit_code == 0 and result.output.splitlines()[-1] == "ready for --outputs bitfile on Pynq-Z2"
    result = CliRunner().invoke(main, ["build", *common, "--outputs", "ip"])
    assert result.exit_code == 0 and f"build written to {out}" in result.output
    assert (out / "ip" / "packaged" / "component.xml").is_file() and (out / "vivado" / "build_bitfile.sh").is_file()
    proc = subprocess.run(["bash", str(out / "vivado" / "build_bitfile.sh"), str(pynq_z2_boards), "validate"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "bcnn: block design bcnn of first validated for tul.com.tw:pynq-z2:part0:1.0; PL clock 100000000 Hz " \
           "(requested 100 MHz)" in proc.stdout
    assert not (out / "vivado" / "output" / "bcnn.bit").exists()
    result = CliRunner().invoke(main, ["build", *common, "--outputs", "bitfile,deploy"])
    assert result.exit_code == 0 and f"build written to {out}" in result.output
    assert json.loads((out / "vivado" / "output" / "timing.json").read_text())["met"] is True
    assert (out / "deploy" / "bcnn.bit").is_file()
