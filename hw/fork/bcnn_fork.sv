`default_nettype none
// Stream fork: every input word goes to all OUTPUTS streams (a residual's shortcut and its long
// branch, a dense block's concatenated paths). Each output has its own valid register and all
// share one data register, so outputs drain independently; the next word is taken only when
// every output has passed the current one on. Output i is bits [i*WIDTH +: WIDTH] of out_tdata.
module bcnn_fork #(
    parameter int WIDTH = 8,
    parameter int OUTPUTS = 2
) (
    input  wire logic                       clk,
    input  wire logic                       rst_n,
    input  wire logic [          WIDTH-1:0] in_tdata,
    input  wire logic                       in_tvalid,
    output logic                            in_tready,
    output logic      [OUTPUTS*WIDTH-1:0]   out_tdata,
    output logic      [      OUTPUTS-1:0]   out_tvalid,
    input  wire logic [      OUTPUTS-1:0]   out_tready
);
  logic [WIDTH-1:0] data;
  logic [OUTPUTS-1:0] pending;  // output i still holds the current word

  // Free to take a word when no output will hold the current one after this cycle.
  assign in_tready = ~|(pending & ~out_tready);
  assign out_tvalid = pending;
  assign out_tdata = {OUTPUTS{data}};

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      pending <= '0;
    end else if (in_tready) begin
      pending <= {OUTPUTS{in_tvalid}};
    end else begin
      pending <= pending & ~out_tready;
    end
  end
  always_ff @(posedge clk) begin
    if (in_tready && in_tvalid) data <= in_tdata;
  end
endmodule
`default_nettype wire
