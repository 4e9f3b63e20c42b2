// AXI-Stream FIFO: DEPTH entries, first-word fall-through, full rate (push and pop in one cycle).
// `count` is the occupancy, so a simulation can report each FIFO's high-water mark.
module bcnn_fifo #(
    parameter int WIDTH = 8,
    parameter int DEPTH = 16,
    localparam int PTR_W = DEPTH > 1 ? $clog2(DEPTH) : 1
) (
    input  logic             clk,
    input  logic             rst_n,
    input  logic [WIDTH-1:0] in_tdata,
    input  logic             in_tvalid,
    output logic             in_tready,
    output logic [WIDTH-1:0] out_tdata,
    output logic             out_tvalid,
    input  logic             out_tready,
    output logic [  PTR_W:0] count
);
  logic [WIDTH-1:0] mem[DEPTH];
  logic [PTR_W-1:0] rd, wr;

  // Ready does not depend on out_tready: no combinational path through the FIFO, which is what
  // lets FIFOs break the ready chains of a stitched design.
  assign in_tready = rst_n && int'(count) < DEPTH;
  assign out_tvalid = count != '0;
  assign out_tdata = mem[rd];
  wire push = in_tvalid && in_tready;
  wire pop = out_tvalid && out_tready;

  function automatic logic [PTR_W-1:0] next(input logic [PTR_W-1:0] p);
    return int'(p) == DEPTH - 1 ? '0 : p + 1'b1;
  endfunction

  always_ff @(posedge clk) begin
    if (push) mem[wr] <= in_tdata;
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      rd <= '0;
      wr <= '0;
      count <= '0;
    end else begin
      if (push) wr <= next(wr);
      if (pop) rd <= next(rd);
      count <= count + (PTR_W + 1)'(push) - (PTR_W + 1)'(pop);
    end
  end
endmodule
