`default_nettype none
// AXI-Stream FIFO: DEPTH entries, first-word fall-through, full rate (push and pop in one cycle).
// `count` is the occupancy, so a simulation can report each FIFO's high-water mark.
module bcnn_fifo #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 16,
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
  logic [WIDTH-1:0] mem[DEPTH];
  logic [PTR_W-1:0] rd, wr;

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

  wire almost_full = int'(count) >= DEPTH - 1;  // one push from full
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
        not_full <= int'(count) < DEPTH;
        not_empty <= count != '0;
      end
    end
  end
endmodule
`default_nettype wire
