"""The Vivado stand-in refuses what Vivado refuses (each case from AMD's guides or FINN's and PYNQ's
scripts), so the vendor-tier tests that run our Tcl under it can fail where Vivado would."""
import pytest

from .vendor_tools import run_stub, write_board_files

PACKAGE = """
create_project -in_memory -part xc7z020clg400-1
read_verilog {top}
set_property top top [current_fileset]
{order}
ipx::package_project -root_dir {root} -vendor v -library l -taxonomy /UserIP -import_files -force
set core [ipx::current_core]
"""
TOP = """module top (input wire ap_clk, input wire ap_rst_n, input wire [7:0] s_axis_0_tdata,
  input wire s_axis_0_tvalid, output wire s_axis_0_tready);
  assign s_axis_0_tready = 1'b1;
endmodule
"""


def script(tmp_path, text: str, **fmt):
    (tmp_path / "top.v").write_text(TOP)
    path = tmp_path / "script.tcl"
    path.write_text(text.format(top=tmp_path / "top.v", root=tmp_path / "ip", **fmt))
    return path


def test_packaging_needs_an_up_to_date_compile_order(tmp_path):
    assert "update_compile_order" in run_stub(script(tmp_path, PACKAGE, order="")).stdout
    assert run_stub(script(tmp_path, PACKAGE, order="update_compile_order -fileset sources_1")).returncode == 0


def test_an_inferred_clock_has_no_freq_hz_until_it_is_added(tmp_path):
    set_freq = "set_property value 100000000 [ipx::get_bus_parameters FREQ_HZ -of_objects " \
               "[ipx::get_bus_interfaces ap_clk -of_objects $core]]"
    proc = run_stub(script(tmp_path, PACKAGE + set_freq, order="update_compile_order"))
    assert proc.returncode == 1 and "expects at least one object" in proc.stdout
    added = "ipx::add_bus_parameter FREQ_HZ [ipx::get_bus_interfaces ap_clk -of_objects $core]\n" + set_freq
    assert run_stub(script(tmp_path, PACKAGE + added, order="update_compile_order")).returncode == 0


DMA = """
create_project p {dir} -part xc7z020clg400-1
create_bd_design bd
create_bd_cell -type ip -vlnv [get_ipdefs -filter {{NAME == axi_dma}}] dma
{config}
"""


@pytest.mark.parametrize("config, refused", [
    ("set_property -dict [list CONFIG.c_m_axis_mm2s_tdata_width {512}] [get_bd_cells dma]", "memory-map width"),
    ("set_property -dict [list CONFIG.c_m_axi_mm2s_data_width {1024} CONFIG.c_include_mm2s_dre {1} "
     "CONFIG.c_m_axis_mm2s_tdata_width {1024}] [get_bd_cells dma]", "DRE"),
    ("set_property -dict [list CONFIG.c_m_axi_mm2s_data_width {48}] [get_bd_cells dma]", "out of range"),
    ("set_property -dict [list CONFIG.c_addr_width {16}] [get_bd_cells dma]", "out of range"),
    ("set_property -dict [list CONFIG.c_m_axi_mm2s_data_widht {64}] [get_bd_cells dma]", "is not a parameter"),
    ("set_property -dict [list CONFIG.c_m_axi_mm2s_data_width {512} CONFIG.c_m_axis_mm2s_tdata_width {512}] "
     "[get_bd_cells dma]", None),
])
def test_axi_dma_parameters_keep_pg021_ranges(tmp_path, config, refused):
    path = tmp_path / "dma.tcl"
    path.write_text(DMA.format(dir=tmp_path / "p", config=config))
    proc = run_stub(path)
    if refused is None:
        assert proc.returncode == 0, proc.stdout
    else:
        assert proc.returncode == 1 and refused in proc.stdout, proc.stdout


def test_connection_automation_only_on_an_unconnected_pin(tmp_path):
    ps = """
create_bd_cell -type ip -vlnv [get_ipdefs -filter {NAME == processing_system7}] ps
set_property -dict [list CONFIG.PCW_USE_S_AXI_HP0 {1}] [get_bd_cells ps]
foreach m {M_AXI_MM2S M_AXI_S2MM} {
    apply_bd_automation -rule xilinx.com:bd_rule:axi4 -config [list Master /dma/$m Slave /ps/S_AXI_HP0] %s
}
"""
    path = tmp_path / "auto.tcl"
    path.write_text(DMA.format(dir=tmp_path / "p", config=ps % "[get_bd_intf_pins ps/S_AXI_HP0]"))
    proc = run_stub(path)
    assert proc.returncode == 1 and "already connected" in proc.stdout
    path.write_text(DMA.format(dir=tmp_path / "p", config=ps % "[get_bd_intf_pins dma/$m]"))
    assert run_stub(path).returncode == 0


def test_board_parts_come_from_absolute_repo_paths_and_the_catalog(tmp_path):
    write_board_files(tmp_path / "boards", "tul.com.tw", "pynq-z2", "1.0", "1.1")
    text = """
set_param board.repoPaths [list {repo}]
create_project p {dir} -part xc7z020clg400-1
puts "FOUND [get_board_parts -quiet {pattern}]"
set_property board_part {part} [current_project]
"""
    path = tmp_path / "bp.tcl"
    path.write_text(text.format(repo=tmp_path / "boards", dir=tmp_path / "p", pattern="tul.com.tw:pynq-z2:part0:*",
                                part="tul.com.tw:pynq-z2:part0:1.1"))
    proc = run_stub(path)
    assert "FOUND tul.com.tw:pynq-z2:part0:1.0 tul.com.tw:pynq-z2:part0:1.1" in proc.stdout and proc.returncode == 0
    path.write_text(text.format(repo="boards-relative", dir=tmp_path / "p", pattern="*pynq-z2*",
                                part="xilinx.com:kv260_som:part0:1.3"))
    proc = run_stub(path)  # a relative path seen from elsewhere finds nothing; kv260 1.3 is not 2024.2's
    assert "FOUND \n" in proc.stdout + "\n" and "board_part definition was not found" in proc.stdout


def test_no_hwh_is_registered_and_misspelt_commands_fail(tmp_path):
    path = tmp_path / "x.tcl"
    path.write_text(f"create_project p {tmp_path / 'p'} -part x\ncreate_bd_design bcnn\n"
                    "puts \"HWH <[get_files -all -of_objects [get_files bcnn.bd] *.hwh]>\"\nvalidate_bd_desing\n")
    proc = run_stub(path)
    assert "HWH <>" in proc.stdout and 'invalid command name "validate_bd_desing"' in proc.stdout
