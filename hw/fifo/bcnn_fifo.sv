`default_nettype none
// AXI-Stream FIFO: DEPTH entries, first-word fall-through, full rate (push and pop in one cycle).
// `count` is the occupancy, so a simulation can report each FIFO's high-water mark.
// A simulation may hold the FIFO below DEPTH entries with the plusarg +bcnn_fifo_cap_<INDEX>=N
// (1 <= N <= DEPTH; INDEX >= 0, the FIFO's index in the stitched core): it then behaves cycle for
// cycle as a DEPTH=N FIFO (test_bcnn_fifo.py compares them), so FIFO depths are explored without
// compiling the design again. Synthesis sees DEPTH only.
// RAM_STYLE ("auto", "block", "ultra") is the memory's ram_style attribute: the stitched core asks
// for UltraRAM on parts that have it for FIFOs that would take block RAM (rtl/fifo_plan.py), which
// leaves the block RAM to the layers; one URAM288 holds 32,768 words of up to 9 bits (Yosys packs
// them by its byte lanes).
module bcnn_fifo #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 16,
    /* verilator lint_off UNUSEDPARAM */
    parameter string RAM_STYLE = "auto",  // an attribute for synthesis, which simulation ignores
    parameter int INDEX = -1,  // read by simulations only: synthesis does not use it
    /* verilator lint_on UNUSEDPARAM */
    localparam int PTR_W = DEPTH > 1 ? $clog2(DEPTH) : 1
) (
    input  wire logic             clk,
    input  wire logic             rst_n,
    input  wire logic [WIDTH-1:0] in_tdata,
    input  wire logic             in_tvalid,
    output logic             in_tready,
    output logic [WIDTH-1:0] out_tdata,
    output logic             out_tvalid,
    input  wire logic             out_tready,
    output logic [  PTR_W:0] count
);
  (* ram_style = RAM_STYLE *) logic [WIDTH-1:0] mem[DEPTH];
  logic [PTR_W-1:0] rd, wr;

`ifdef SYNTHESIS
  localparam int Capacity = DEPTH;
`else
  int Capacity = DEPTH;
  initial begin : capacity
    int n;
    if (INDEX >= 0 && $value$plusargs($sformatf("bcnn_fifo_cap_%0d=%%d", INDEX), n)) begin
      if (n < 1 || n > DEPTH) $fatal(1, "bcnn_fifo %0d: +bcnn_fifo_cap_%0d=%0d is outside 1..%0d", INDEX, INDEX, n, DEPTH);
      Capacity = n;
    end
  end
`endif

  // Ready and valid are registers: no combinational path through the FIFO, which is what lets
  // FIFOs break the ready chains of a stitched design. Their next values, and the count's, come
  // from the current count, chosen by push and pop (no adder between a handshake and a register).
  logic not_full, not_empty;
  assign in_tready = not_full;
  assign out_tvalid = not_empty;
  assign out_tdata = mem[rd];
  wire push = in_tvalid && not_full;
  wire pop = not_empty && out_tready;

  function automatic logic [PTR_W-1:0] next(input logic [PTR_W-1:0] p);
    return int'(p) == DEPTH - 1 ? '0 : p + 1'b1;
  endfunction

  always_ff @(posedge clk) begin
    if (push) mem[wr] <= in_tdata;
  end

  wire almost_full = int'(count) >= Capacity - 1;  // one push from full
  wire almost_empty = int'(count) <= 1;  // one pop from empty
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      rd <= '0;
      wr <= '0;
      count <= '0;
      not_full <= 1'b0;
      not_empty <= 1'b0;
    end else begin
      if (push) wr <= next(wr);
      if (pop) rd <= next(rd);
      if (push && !pop) begin
        count <= count + 1'b1;
        not_full <= !almost_full;
        not_empty <= 1'b1;
      end else if (pop && !push) begin
        count <= count - 1'b1;
        not_full <= 1'b1;
        not_empty <= !almost_empty;
      end else begin
        not_full <= int'(count) < Capacity;
        not_empty <= count != '0;
      end
    end
  end
endmodule
`default_nettype wire
