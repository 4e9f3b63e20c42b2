`default_nettype none
// Unit testbench top for bcnn_fork and bcnn_add (single in/out stream, for the shared harness):
// each input word {b lanes, a lanes} is forked; branch 0 passes a random stall gate and keeps the
// a lanes, branch 1 a FIFO and another gate and keeps the b lanes; bcnn_add joins them.
// Expected output: a + b per lane, whatever the stalls inside.
module tb_bcnn_fork_add #(
    parameter int PE = 2,
    parameter int A_BITS = 8,
    parameter int B_BITS = 8,
    parameter int OUT_BITS = 9,
    parameter bit A_SIGNED = 1,
    parameter bit B_SIGNED = 1,
    parameter int DEPTH = 4,
    localparam int W = PE * (A_BITS + B_BITS)
) (
    input  wire logic                   clk,
    input  wire logic                   rst_n,
    input  wire logic [          W-1:0] in_tdata,
    input  wire logic                   in_tvalid,
    output logic                        in_tready,
    output logic      [PE*OUT_BITS-1:0] out_tdata,
    output logic                        out_tvalid,
    input  wire logic                   out_tready
);
  logic [2*W-1:0] fork_tdata;
  logic [1:0] fork_tvalid, fork_tready;
  bcnn_fork #(.WIDTH(W), .OUTPUTS(2)) u_fork (
      .clk, .rst_n, .in_tdata, .in_tvalid, .in_tready,
      .out_tdata(fork_tdata), .out_tvalid(fork_tvalid), .out_tready(fork_tready)
  );

  logic [W-1:0] fifo_tdata;
  logic fifo_tvalid, fifo_tready;
  /* verilator lint_off PINCONNECTEMPTY */  // occupancy not needed here
  bcnn_fifo #(.WIDTH(W), .DEPTH(DEPTH)) u_fifo (
      .clk, .rst_n, .in_tdata(fork_tdata[W+:W]), .in_tvalid(fork_tvalid[1]), .in_tready(fork_tready[1]),
      .out_tdata(fifo_tdata), .out_tvalid(fifo_tvalid), .out_tready(fifo_tready), .count()
  );
  /* verilator lint_on PINCONNECTEMPTY */

  // Stall gates: a free-running LFSR opens each gate at random, but an offered word stays
  // offered until taken (AXI-Stream: valid is never withdrawn).
  logic [15:0] lfsr;
  always_ff @(posedge clk) begin
    if (!rst_n) lfsr <= 16'hACE1;
    else lfsr <= {lfsr[14:0], lfsr[15] ^ lfsr[13] ^ lfsr[12] ^ lfsr[10]};
  end
  logic [1:0] open_gate, join_tvalid, join_tready;
  always_ff @(posedge clk) begin
    if (!rst_n) open_gate <= '0;
    else open_gate <= {lfsr[3] | (join_tvalid[1] & ~join_tready[1]), lfsr[7] | (join_tvalid[0] & ~join_tready[0])};
  end
  assign join_tvalid = {fifo_tvalid, fork_tvalid[0]} & open_gate;
  assign fork_tready[0] = join_tready[0] & open_gate[0];
  assign fifo_tready = join_tready[1] & open_gate[1];

  /* verilator lint_off UNUSEDSIGNAL */  // each branch keeps only its own lanes
  wire [W-1:0] a_word = fork_tdata[0+:W];
  wire [W-1:0] b_word = fifo_tdata;
  /* verilator lint_on UNUSEDSIGNAL */
  bcnn_add #(
      .PE(PE), .A_BITS(A_BITS), .B_BITS(B_BITS), .OUT_BITS(OUT_BITS), .A_SIGNED(A_SIGNED), .B_SIGNED(B_SIGNED)
  ) u_add (
      .clk, .rst_n,
      .in_tdata({b_word[PE*A_BITS+:PE*B_BITS], a_word[0+:PE*A_BITS]}),
      .in_tvalid(join_tvalid), .in_tready(join_tready),
      .out_tdata, .out_tvalid, .out_tready
  );
endmodule
`default_nettype wire
