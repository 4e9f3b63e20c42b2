`default_nettype none
// Read-only memory with a registered read port, the form block RAM implements (and LUTs followed
// by a register). STYLE chooses the resource, with FINN+'s ram_style values: "block" (BRAM) or
// "distributed" (LUTs; a ROM has no write port, so it is LUT logic, not LUT RAM). UltraRAM cannot
// start with contents, so it is no ROM style. The contents come from INIT_FILE ($readmemh, one
// word per line, address 0 first); a missing file is an error in every tool: Yosys stops,
// Vivado's Synth 8-4445 is promoted to an error by the vendor scripts, and Verilator, which only
// warns, stops here.
module bcnn_rom #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 16,
    parameter string INIT_FILE = "rom.hex",
    parameter string STYLE = "block",
    localparam int ADDR_W = DEPTH > 1 ? $clog2(DEPTH) : 1
) (
    input  wire logic              clk,
    input  wire logic              en,    // read enable: `data` holds while low
    input  wire logic [ADDR_W-1:0] addr,
    output logic      [ WIDTH-1:0] data
);
  initial begin
    if (STYLE != "block" && STYLE != "distributed")
      $fatal(1, "bcnn_rom: STYLE must be block or distributed, not %s", STYLE);
  end
`ifdef VERILATOR
  initial begin : g_init_file_exists
    automatic int fd = $fopen(INIT_FILE, "r");
    if (fd == 0) $fatal(1, "bcnn_rom: memory file %s not found (run from the directory holding it)", INIT_FILE);
    $fclose(fd);
  end
`endif

  // The style attributes must sit on the memory itself and their values must be literals: one
  // branch per style. Vivado reads rom_style; Yosys reads ram_style first, where "registers" (a
  // value Vivado accepts too, UG901) is its word for a ROM in LUTs (its "distributed" means LUT
  // RAM, which needs a write port).
  if (STYLE == "block") begin : g_block
    (* rom_style = "block", ram_style = "block" *) logic [WIDTH-1:0] mem[DEPTH];
    initial $readmemh(INIT_FILE, mem);
    always_ff @(posedge clk) if (en) data <= mem[addr];
  end else begin : g_distributed
    (* rom_style = "distributed", ram_style = "registers" *) logic [WIDTH-1:0] mem[DEPTH];
    initial $readmemh(INIT_FILE, mem);
    always_ff @(posedge clk) if (en) data <= mem[addr];
  end
endmodule
`default_nettype wire
