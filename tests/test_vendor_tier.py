"""Vendor tier: what a build hands to Vivado/Vitis, checked without them: the Tcl run under the
Vivado stand-in (tests/data/vivado_stub.tcl, which refuses what Vivado refuses), the Alveo link
checked as v++ checks it (tests/vitis_stub.py), the IP wrapper simulated in Verilator, the build
stopping cleanly without the tools; and the same steps with the tools (vendor marker)."""
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from finn.transformation.fpgadataflow.hlssynth_ip import HLSSynthIP
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from build_flows.cli import main
from build_flows.config import BuildConfig
from build_flows.finn_env import use_build_dir, vendor_tools
from build_flows.flow import run_build
from build_flows.runtime.packing import apply_host_ops, pack, unpack
from build_flows.sim import verilator as vl
from build_flows.vendor.ip_check import check_memory_files
from build_flows.vendor.pending import VendorToolsMissing
from build_flows.verify import executable, run_model
from models.errors import BcnnError

from .ip_sim import run_ip
from .vendor_tools import run_stub, stub_ok, write_board_files
from .vitis_stub import hls_kernels, link_errors

NO_VIVADO = pytest.mark.skipif(bool(vendor_tools()["vivado"]), reason="Vivado is installed: the build runs it")


@pytest.fixture(scope="module")
def zynq(built):
    return built("tfc_w1a1", folding="tfc_w1a1", board="Pynq-Z2", outputs=["bitfile", "deploy"], batch=3)


@pytest.fixture(scope="module")
def alveo(built):
    return built("tfc_w1a1", folding="tfc_w1a1", board="U250", outputs=["bitfile", "deploy"], batch=3)


def packaged_copy(build: Path, tmp_path: Path, env: dict | None = None) -> tuple:
    """A copy of the build whose IP the stand-in packaged -> (copy, the packaging log)."""
    copy = tmp_path / "build"
    shutil.copytree(build, copy)
    return copy, stub_ok(copy / "ip" / "package_ip.tcl", env=env)


def zynq_shell(copy: Path, tmp_path: Path, env: dict | None = None) -> list:
    """The block design (validated) and its implementation, two Vivado sessions as build_bitfile.sh runs them."""
    boards = write_board_files(tmp_path / "boards", "tul.com.tw", "pynq-z2", "1.0")
    return stub_ok(copy / "vivado" / "zynq_shell.tcl", boards, env=env) + \
        stub_ok(copy / "vivado" / "implement.tcl", env=env)


@NO_VIVADO
def test_bitfile_without_vivado_writes_everything_else_then_names_the_tool(exported, tmp_path):
    out = tmp_path / "tfc"
    cfg = BuildConfig(model=str(exported("tfc_w1a1")), out=str(out), board="Pynq-Z2", folding="tfc_w1a1",
                      outputs=["bitfile", "deploy"])
    with pytest.raises(VendorToolsMissing) as caught:
        run_build(cfg, show_progress=False)
    said = str(caught.value)
    assert "needs Vivado (set XILINX_VIVADO" in said and "docker/run.sh" in said
    assert "vivado/output/bcnn.bit" in said and "ip/packaged/component.xml" in said
    for rel in ("rtl/bcnn_top.sv", "ip/bcnn_accel.v", "ip/package_ip.tcl", "vivado/zynq_shell.tcl",
                "vivado/implement.tcl", "vivado/promote_warnings.tcl", "vivado/build_bitfile.sh", "deploy/settings.json",
                "deploy/bcnn_driver/accelerator.py", "report/estimates.json"):
        assert (out / rel).is_file(), rel
    assert not (out / "vivado" / "output").exists()  # nothing pretends to be a bitstream
    assert not list(tmp_path.glob(".*partial*"))
    pending = json.loads((out / "report" / "vendor.json").read_text())["pending"]
    assert [p["output"] for p in pending] == ["ip", "bitfile"]


@NO_VIVADO
def test_cli_shows_the_build_then_one_line_naming_vivado(exported, tmp_path):
    result = CliRunner().invoke(main, ["build", str(exported("tfc_w1a1")), "--folding", "tfc_w1a1", "--board",
                                       "Pynq-Z1", "--outputs", "bitfile", "--out", str(tmp_path / "b")])
    assert result.exit_code == 2
    assert "build written to" in result.output and "MVAU_bcnn_0" in result.output  # the estimates table
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "needs Vivado" in errors[0] and "Traceback" not in result.output


def test_ip_packages_every_source_and_memory_file_with_the_clock(zynq, tmp_path):
    """Rows 1, 3, 17 (compile order): the IP holds every HDL source and memory file, in both file
    groups; its clock interface gets FREQ_HZ added before it is set."""
    info = json.loads((zynq / "rtl" / "stitch.json").read_text())
    copy, log = packaged_copy(zynq, tmp_path)
    read = [line.split()[-1] for line in log if line.startswith("stub: read_verilog")]
    assert [Path(p).name for p in read] == ["bcnn_accel.v", "bcnn_axis_last.sv", *info["sources"]]
    assert [i for i, line in enumerate(log) if "update_compile_order" in line] < \
        [i for i, line in enumerate(log) if "ipx::package_project" in line]
    assert any("ipx::add_bus_parameter FREQ_HZ ipx_busif:ap_clk" in line for line in log)
    component = copy / "ip" / "packaged" / "component.xml"
    check_memory_files(component, info["memory_files"])  # raises if one is missing
    text = component.read_text()
    assert "<spirit:name>FREQ_HZ</spirit:name><spirit:value>100000000</spirit:value>" in text
    assert "stub-property ipi_drc=ignore_freq_hz true" in text and "sdx_kernel" not in text  # Zynq: no Vitis kernel


def test_the_flow_check_names_a_memory_file_the_ip_lacks(zynq, tmp_path):
    info = json.loads((zynq / "rtl" / "stitch.json").read_text())
    copy, _ = packaged_copy(zynq, tmp_path)
    component = copy / "ip" / "packaged" / "component.xml"
    lost = info["memory_files"][0]
    component.write_text(component.read_text().replace(f"<spirit:name>src/{lost}</spirit:name>", "<spirit:name>x</spirit:name>"))
    with pytest.raises(BcnnError, match=f"lack 1 memory file.*{lost}"):
        check_memory_files(component, info["memory_files"])


def test_zynq_shell_runs_under_the_stub_with_dma_widths_automation_hwh_and_clock(zynq, tmp_path):
    """Rows 2, 4, 11, 13, 14 and 3 (promotion): the PYNQ-Z2 shell as Vivado would take it."""
    ip = json.loads((zynq / "ip" / "ip.json").read_text())
    copy, _ = packaged_copy(zynq, tmp_path)
    log = zynq_shell(copy, tmp_path)
    text = "\n".join(log)
    assert f"set_param board.repoPaths {tmp_path / 'boards'}" in text  # absolute, and for the project too
    assert "set_property BOARD_PART_REPO_PATHS" in text
    assert "set_property board_part tul.com.tw:pynq-z2:part0:1.0 project:current" in text
    assert f"CONFIG.c_m_axi_mm2s_data_width {ip['s_axis_0_bits']}" in text  # 512: widened before the stream
    assert f"CONFIG.c_m_axis_mm2s_tdata_width {ip['s_axis_0_bits']}" in text and "CONFIG.c_include_mm2s_dre 1" in text
    assert "CONFIG.c_addr_width 32" in text
    for master in ("M_AXI_MM2S", "M_AXI_S2MM"):  # automation on each (unconnected) DMA master, not on the HP port
        assert any(line.startswith("stub: apply_bd_automation") and f"Master /dma/{master}" in line
                   and line.endswith(f" /dma/{master}") for line in log), master
    assert "set_msg_config -id Synth 8-4445 -new_severity ERROR" in text
    out = copy / "vivado" / "output"
    assert (out / "bcnn.bit").is_file() and (out / "bcnn.hwh").is_file()
    assert json.loads((out / "timing.json").read_text())["met"] is True
    assert json.loads((out / "clock.json").read_text())["pl_clock_hz"] == 100_000_000
    synth = (copy / "vivado" / "project" / "bcnn_zynq.runs" / "synth_1" / "runme.log").read_text()
    assert "Synth 8-4445" not in synth and "unsupported value" not in synth  # every file found, ram_style valid


def test_the_timing_gate_fails_on_negative_slack_and_keeps_the_bitstream(zynq, tmp_path):
    """Row 14."""
    copy, _ = packaged_copy(zynq, tmp_path)
    stub_ok(copy / "vivado" / "zynq_shell.tcl", write_board_files(tmp_path / "boards", "tul.com.tw", "pynq-z2", "1.0"))
    proc = run_stub(copy / "vivado" / "implement.tcl", env={"STUB_WNS": "-0.25"})
    assert proc.returncode == 1 and "timing not met at 100 MHz (WNS -0.25 ns" in proc.stdout
    out = copy / "vivado" / "output"
    assert json.loads((out / "timing.json").read_text()) == {"wns_ns": -0.25, "whs_ns": 0.05, "met": False,
                                                             "report": "timing.rpt"}
    assert (out / "bcnn.bit").is_file()


def test_a_memory_file_left_out_of_the_ip_stops_synthesis(zynq, tmp_path):
    """Row 3: were a memory file not packaged, synthesis reports Synth 8-4445, promoted to an error."""
    copy = tmp_path / "build"
    shutil.copytree(zynq, copy)
    package = copy / "ip" / "package_ip.tcl"
    package.write_text(package.read_text().replace("foreach name $memory_files {\n    file copy",
                                                   "foreach name [lrange $memory_files 1 end] {\n    file copy"))
    stub_ok(package)
    stub_ok(copy / "vivado" / "zynq_shell.tcl", write_board_files(tmp_path / "b", "tul.com.tw", "pynq-z2", "1.0"))
    proc = run_stub(copy / "vivado" / "implement.tcl")
    assert proc.returncode == 1 and "did not finish" in proc.stdout
    synth = (copy / "vivado" / "project" / "bcnn_zynq.runs" / "synth_1" / "runme.log").read_text()
    assert "ERROR: [Synth 8-4445]" in synth


@pytest.mark.parametrize("board, ps_lines", [
    ("ZCU104", ["CONFIG.PSU__OVERRIDE__BASIC_CLOCK 0", "CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ 200",
                "CONFIG.c_addr_width 64", "/ps/S_AXI_HP0_FPD"]),
    ("KV260", ["set_property board_part xilinx.com:kv260_som:part0:1.4"]),  # Vivado 2024.2's version, not 1.3
])
def test_ultrascale_shells_override_the_pl_clock_and_take_the_installed_board(built, tmp_path, board, ps_lines):
    """Rows 11 (board version), 12 (PL clock read back), 17 (64-bit DMA addresses on ZU+)."""
    out = built("tfc_w1a1", folding="tfc_w1a1", board=board, outputs=["bitfile"])
    copy, _ = packaged_copy(out, tmp_path)
    text = "\n".join(stub_ok(copy / "vivado" / "zynq_shell.tcl") + stub_ok(copy / "vivado" / "implement.tcl"))
    assert "-vlnv xilinx.com:ip:zynq_ultra_ps_e" in text and "processing_system7" not in text
    assert all(line in text for line in ps_lines), [line for line in ps_lines if line not in text]
    clock = json.loads((copy / "vivado" / "output" / "clock.json").read_text())
    assert clock["pl_clock_hz"] == pytest.approx(1e6 * clock["requested_mhz"], rel=1e-3)


def test_u250_sources_pass_the_stub_and_the_link_checks(alveo, tmp_path):
    """Rows 6, 7, 17 (sp banks, whole MHz): the RTL kernel packaged for Vitis, the data movers on
    plain streams, every AXI master on a bank, the clock in whole MHz."""
    ip = json.loads((alveo / "ip" / "ip.json").read_text())
    copy, _ = packaged_copy(alveo, tmp_path)
    text = (copy / "ip" / "packaged" / "component.xml").read_text()
    assert "sdx_kernel=true" in text and "sdx_kernel_type=rtl" in text and "ctrl_protocol ap_ctrl_none" in text
    log = "\n".join(stub_ok(copy / "vitis" / "package_xo.tcl"))
    assert f"s_axis_0:4:0:s_axis_0:0x0:0x0:ap_uint&lt;{ip['s_axis_0_bits']}>:0" in log
    assert (copy / "vitis" / "bcnn_accel.xo").is_file()
    assert link_errors(copy, "xilinx_u250_gen3x16_xdma_4_1_202210_1") == []
    kernels = hls_kernels((copy / "vitis" / "dma_kernels.cpp").read_text())
    assert kernels["bcnn_idma"]["args"] == [("in", "pointer", ip["s_axis_0_bits"]), ("out", "stream", ip["s_axis_0_bits"]),
                                            ("beats", "scalar", None)]
    assert "ap_axiu" not in (copy / "vitis" / "dma_kernels.cpp").read_text()  # no TKEEP/TLAST the RTL lacks
    script = (copy / "vitis" / "build_xclbin.sh").read_text()
    assert "--kernel_frequency 333 " in script and "--hls.clock 333000000:" in script
    assert "STEPS.SYNTH_DESIGN.TCL.PRE=$PWD/promote_warnings.tcl" in script
    assert subprocess.run(["bash", "-n", str(copy / "vitis" / "build_xclbin.sh")]).returncode == 0


def test_ip_wrapper_lints_clean(zynq):
    info = json.loads((zynq / "rtl" / "stitch.json").read_text())
    proc = subprocess.run([str(vl.VERILATOR), "--lint-only", "-Wall", "--top-module", "bcnn_accel",
                           str(zynq / "ip" / "bcnn_accel.v"), "bcnn_axis_last.sv", *info["sources"]],
                          capture_output=True, text=True, cwd=zynq / "rtl")
    assert proc.returncode == 0, proc.stderr


def stream_through_ip(build: Path, tmp_path: Path, stalls: tuple) -> tuple:
    """Two batches of random frames through the IP, packed as the board driver packs them ->
    (TLAST per output beat, the outputs unpacked by the driver, python's)."""
    settings = json.loads((build / "deploy" / "settings.json").read_text())
    frames = 2 * settings["batch"]
    pixels = np.random.default_rng(1).integers(0, 256, (frames, *settings["input_shape"]))
    data = pack(apply_host_ops(pixels, settings["host_ops"]), settings["input"])
    tlast, out = run_ip(build, tmp_path, data, frames * settings["output"]["beats_per_frame"], stalls)
    model = executable(ModelWrapper(str(build / "model.onnx")), tmp_path / "scratch")
    want = np.stack([run_model(model, p[None].astype(np.float32)).reshape(-1) for p in pixels])
    return tlast, unpack(out, settings["output"], frames), want


def batch_ends(settings: dict, beats: int) -> list:
    per_batch = settings["batch"] * settings["output"]["beats_per_frame"]
    return [(k + 1) % per_batch == 0 for k in range(beats)]


@pytest.mark.parametrize("stalls", [(100, 100), (60, 40)])
def test_ip_wrapper_with_board_packing_equals_python(zynq, tmp_path, stalls):
    """The IP as Vivado gets it, fed bytes packed as the board driver packs them: its outputs equal
    the python execution, and TLAST closes every batch (3 frames) for the DMA."""
    tlast, got, want = stream_through_ip(zynq, tmp_path, stalls)
    assert tlast.tolist() == batch_ends(json.loads((zynq / "deploy" / "settings.json").read_text()), len(tlast))
    np.testing.assert_array_equal(got, want)


def test_a_wrong_tlast_count_or_weight_memory_is_caught(zynq, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(zynq, copy)
    wrapper = copy / "ip" / "bcnn_accel.v"
    wrapper.write_text(wrapper.read_text().replace(".BEATS(3)", ".BEATS(2)"))
    tlast, got, want = stream_through_ip(copy, tmp_path, (100, 100))
    assert tlast.tolist() != batch_ends(json.loads((copy / "deploy" / "settings.json").read_text()), len(tlast))
    weights = copy / "rtl" / "MVAU_bcnn_3_weights.hex"  # the scores' layer: inverted, the labels move
    words = weights.read_text().split()
    weights.write_text("".join(f"{int(w, 16) ^ ((1 << 4 * len(w)) - 1):0{len(w)}x}\n" for w in words))
    _, got, want = stream_through_ip(copy, tmp_path, (100, 100))
    assert not np.array_equal(got, want)


def test_hls_backend_writes_hls_sources_without_vitis(built):
    out = built("tfc_w1a1", folding="tfc_w1a1", backend="hls", outputs=["hls"])
    df = ModelWrapper(str(out / "dataflow.onnx"))
    hls = [n.name for n in df.graph.node if n.op_type.endswith("_hls")]
    assert hls
    for name in hls:
        assert list((out / "codegen" / name).glob("*.cpp")) and list((out / "codegen" / name).glob("*.tcl")), name
    if not vendor_tools()["vitis_hls"]:
        pending = json.loads((out / "report" / "vendor.json").read_text())["pending"]
        assert pending[0]["output"] == "hls" and pending[0]["missing_tools"] == ["vitis_hls"]


@pytest.mark.vendor
def test_generated_hls_layers_synthesize(built, tmp_path):
    out = built("tfc_w1a1", folding="tfc_w1a1", backend="hls")
    use_build_dir(tmp_path / "finn_tmp")
    df = ModelWrapper(str(out / "dataflow.onnx")).transform(HLSSynthIP())
    for node in df.graph.node:
        if node.op_type.endswith("_hls"):
            assert getCustomOp(node).get_nodeattr("ipgen_path"), node.name


@pytest.mark.vendor
def test_vivado_packages_the_accelerator_ip(zynq):
    """With the real Vivado: the IP is packaged and lists every memory file (the flow checked it)."""
    info = json.loads((zynq / "rtl" / "stitch.json").read_text())
    check_memory_files(zynq / "ip" / "packaged" / "component.xml", info["memory_files"])
    assert not (zynq / "report" / "vendor.json").exists() or all(
        p["output"] != "ip" for p in json.loads((zynq / "report" / "vendor.json").read_text())["pending"])
