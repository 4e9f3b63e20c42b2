`default_nettype none
// Stream join by addition: out lane i = a lane i + b lane i (a residual's long branch plus its
// shortcut). A pair of words is taken when both are valid and the registered output is free, so
// one input waits for the other without loss. Inputs are packed: a in bits [0 +: PE*A_BITS],
// b above it; in_tvalid/in_tready bit 0 is a, bit 1 is b. Lanes sign-extend when *_SIGNED.
module bcnn_add #(
    parameter int PE = 1,
    parameter int A_BITS = 8,
    parameter int B_BITS = 8,
    parameter int OUT_BITS = 9,
    parameter bit A_SIGNED = 1,
    parameter bit B_SIGNED = 1
) (
    input  wire logic                              clk,
    input  wire logic                              rst_n,
    input  wire logic [PE*(A_BITS+B_BITS)-1:0]     in_tdata,
    input  wire logic [                     1:0]   in_tvalid,
    output logic      [                     1:0]   in_tready,
    output logic      [         PE*OUT_BITS-1:0]   out_tdata,
    output logic                                   out_tvalid,
    input  wire logic                              out_tready
);
  wire advance = !out_tvalid || out_tready;
  wire take = advance && &in_tvalid;
  // Each input is ready only when the other has a word: no word is taken alone.
  assign in_tready = {advance && in_tvalid[0], advance && in_tvalid[1]};

  logic [PE*OUT_BITS-1:0] sum;
  always_comb begin
    for (int i = 0; i < PE; i++) begin
      logic [A_BITS-1:0] a;
      logic [B_BITS-1:0] b;
      a = in_tdata[i*A_BITS+:A_BITS];
      b = in_tdata[PE*A_BITS+i*B_BITS+:B_BITS];
      sum[i*OUT_BITS+:OUT_BITS] = OUT_BITS'(extend(a, A_BITS, A_SIGNED)) + OUT_BITS'(extend(b, B_BITS, B_SIGNED));
    end
  end

  // Sign- or zero-extension to 64 bits (A_BITS, B_BITS <= 32, OUT_BITS <= 64).
  function automatic logic [63:0] extend(input logic [31:0] value, input int bits, input bit signed_value);
    logic [63:0] mask = (64'd1 << bits) - 1;
    logic [63:0] low = {32'd0, value} & mask;
    return signed_value && low[bits-1] ? low | ~mask : low;
  endfunction

  always_ff @(posedge clk) begin
    if (!rst_n) out_tvalid <= 1'b0;
    else if (advance) out_tvalid <= &in_tvalid;
  end
  always_ff @(posedge clk) begin
    if (take) out_tdata <= sum;
  end
endmodule
`default_nettype wire
