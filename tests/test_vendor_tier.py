"""Vendor tier: what a build hands to Vivado/Vitis, checked without them (content, port names,
Tcl run under tclsh with Vivado's commands stubbed, the IP wrapper simulated in Verilator), the
build stopping cleanly without the tools, and the same steps with the tools (vendor marker)."""
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
from build_flows.verify import executable, run_model
from build_flows.vendor.pending import VendorToolsMissing

from .ip_sim import run_ip

STUB = Path(__file__).parent / "data" / "vivado_stub.tcl"
NO_VIVADO = pytest.mark.skipif(bool(vendor_tools()["vivado"]), reason="Vivado is installed: the build runs it")


def run_stubbed(script: Path, tmp_path: Path, *tclargs) -> list:
    log = tmp_path / f"{script.stem}.log"
    proc = subprocess.run(["tclsh", str(STUB), str(script), str(log), *tclargs], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return log.read_text().splitlines()


@pytest.fixture(scope="module")
def zynq(built):
    return built("tfc_w1a1", folding="tfc_w1a1", board="Pynq-Z2", outputs=["bitfile", "deploy"], batch=3)


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
                "vivado/build_bitfile.sh", "deploy/settings.json", "deploy/bcnn_driver/accelerator.py",
                "report/estimates.json"):
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


def test_zynq_shell_tcl_runs_in_order_with_the_board_preset(zynq, tmp_path):
    ip = json.loads((zynq / "ip" / "ip.json").read_text())
    log = run_stubbed(zynq / "vivado" / "zynq_shell.tcl", tmp_path, "/boards")
    text = "\n".join(log)
    assert "set_param board.repoPaths /boards" in text
    assert "set_property board_part tul.com.tw:pynq-z2:part0:1.0" in text
    assert "create_project bcnn_zynq" in text and "-part xc7z020clg400-1" in text
    assert f"create_bd_cell -type ip -vlnv {ip['vlnv']} accel" in text
    assert "CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ 100" in text  # the build's clock
    assert f"CONFIG.c_m_axis_mm2s_tdata_width {ip['s_axis_0_bits']}" in text
    assert f"CONFIG.c_s_axis_s2mm_tdata_width {ip['m_axis_0_bits']}" in text
    assert "get_bd_intf_pins accel/s_axis_0" in text and "get_bd_intf_pins accel/m_axis_0" in text
    order = [next(i for i, line in enumerate(log) if line.startswith(cmd))
             for cmd in ("create_bd_design", "validate_bd_design", "launch_runs impl_1 -to_step write_bitstream",
                         "write_bitstream")]
    assert order == sorted(order)
    assert any(line.startswith("file copy") and line.endswith("output/bcnn.hwh") for line in log)


def test_ultrascale_shell_uses_its_ps(built, tmp_path):
    out = built("tfc_w1a1", folding="tfc_w1a1", board="ZCU104", outputs=["bitfile"])
    text = "\n".join(run_stubbed(out / "vivado" / "zynq_shell.tcl", tmp_path))
    assert "NAME == zynq_ultra_ps_e" in text and "processing_system7" not in text
    assert "PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ 200" in text and "/ps/S_AXI_HP0_FPD" in text
    assert "board.repoPaths" not in text  # no board files given: Vivado's own catalog


def test_package_ip_tcl_packages_every_source_and_memory_file(zynq, tmp_path):
    info = json.loads((zynq / "rtl" / "stitch.json").read_text())
    log = run_stubbed(zynq / "ip" / "package_ip.tcl", tmp_path)
    read = [line.split()[-1] for line in log if line.startswith("read_verilog")]
    assert [Path(p).name for p in read] == ["bcnn_accel.v", "bcnn_axis_last.sv", *info["sources"]]
    assert all(Path(p).is_file() for p in read)
    added = next(line for line in log if line.startswith("add_files"))
    assert all(name in added for name in info["memory_files"])
    assert any("ipx::associate_bus_interfaces -busif s_axis_0 -clock ap_clk" in line for line in log)
    assert any("FREQ_HZ" in line for line in log) and any(line.startswith("ipx::save_core") for line in log)


def test_alveo_link_connects_the_kernels_by_their_port_names(built, tmp_path):
    out = built("tfc_w1a1", folding="tfc_w1a1", board="U250", outputs=["bitfile"])
    ip = json.loads((out / "ip" / "ip.json").read_text())
    cfg = (out / "vitis" / "link.cfg").read_text()
    assert "stream_connect=idma_0.out:accel_0.s_axis_0" in cfg and "stream_connect=accel_0.m_axis_0:odma_0.in" in cfg
    kernels = (out / "vitis" / "dma_kernels.cpp").read_text()
    assert f"ap_axiu<{ip['s_axis_0_bits']}, 0, 0, 0>" in kernels and f"ap_axiu<{ip['m_axis_0_bits']}, 0, 0, 0>" in kernels
    script = (out / "vitis" / "build_xclbin.sh").read_text()
    assert "--platform \"$PLATFORM\"" in script and "PLATFORM=xilinx_u250_gen3x16_xdma_4_1_202210_1" in script
    assert subprocess.run(["bash", "-n", str(out / "vitis" / "build_xclbin.sh")]).returncode == 0
    log = run_stubbed(out / "vitis" / "package_xo.tcl", tmp_path) if (out / "ip" / "packaged").exists() else None
    assert log is None or any("package_xo" in line for line in log)
    assert "-ctrl_protocol ap_ctrl_none" in (out / "vitis" / "package_xo.tcl").read_text()


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
    assert (zynq / "ip" / "packaged" / "component.xml").is_file()
    assert not (zynq / "report" / "vendor.json").exists() or all(
        p["output"] != "ip" for p in json.loads((zynq / "report" / "vendor.json").read_text())["pending"])
