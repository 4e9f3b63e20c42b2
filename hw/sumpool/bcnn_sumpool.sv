`default_nettype none
// Sum pooling (an average pool's integer part: the 1/K2 lives in the next layer's thresholds)
// over windows that arrive as a stream from a depthwise sliding-window unit. Per output pixel the
// input is K2 window positions x CHANNELS, channel-fold outer: for each group of PE channels, K2
// consecutive beats of PE elements; the unit emits one beat of PE sums per group, so an output
// pixel takes CHANNELS/PE beats out and K2 times that in, one input beat per cycle.
// Lanes are IN_BITS wide: two's complement when IN_SIGNED, else unsigned, or with BIPOLAR one bit
// that codes -1 (0) and +1 (1), FINN's packing of a +-1 stream. Sums are OUT_BITS wide (the sum's
// datatype, wide enough for K2 times the input's range), two's complement when the input is signed.
module bcnn_sumpool #(
    parameter int CHANNELS = 8,
    parameter int PE = 2,
    parameter int K2 = 4,
    parameter int IN_BITS = 2,
    parameter bit IN_SIGNED = 1'b0,
    parameter bit BIPOLAR = 1'b0,
    parameter int OUT_BITS = 4
) (
    input  wire logic                   clk,
    input  wire logic                   rst_n,
    input  wire logic [ PE*IN_BITS-1:0] in_tdata,
    input  wire logic                   in_tvalid,
    output logic                        in_tready,
    output logic      [PE*OUT_BITS-1:0] out_tdata,
    output logic                        out_tvalid,
    input  wire logic                   out_tready
);
  initial begin
    if (CHANNELS % PE != 0) $fatal(1, "bcnn_sumpool: PE must divide CHANNELS");
    if (BIPOLAR && IN_BITS != 1) $fatal(1, "bcnn_sumpool: a bipolar lane is one bit");
  end

  logic first;
  logic [PE*OUT_BITS-1:0] partial, merged;

  // One lane's value as an OUT_BITS integer (sign-extended, zero-extended or +-1).
  function automatic logic [OUT_BITS-1:0] widen(input logic [IN_BITS-1:0] x);
    if (BIPOLAR) return x[0] ? OUT_BITS'(1) : '1;
    if (IN_SIGNED) return OUT_BITS'($signed(x));
    return OUT_BITS'(x);
  endfunction

  // The running sum including the current beat (the window's first position starts afresh).
  always_comb begin
    for (int p = 0; p < PE; p++) begin
      merged[p*OUT_BITS+:OUT_BITS] = (first ? '0 : partial[p*OUT_BITS+:OUT_BITS]) + widen(in_tdata[p*IN_BITS+:IN_BITS]);
    end
  end

  bcnn_window_fold #(.K2(K2), .WIDTH(PE * OUT_BITS)) u_fold (
      .clk, .rst_n, .in_tvalid, .in_tready, .first, .partial, .merged, .out_tdata, .out_tvalid, .out_tready
  );
endmodule
`default_nettype wire
