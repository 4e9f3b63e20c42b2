`default_nettype none
// Max pooling over windows that arrive as a stream (after a depthwise sliding-window unit).
// Per output pixel the input is K2 window positions x CHANNELS, channel-fold outer:
// for each group of PE channels, K2 consecutive beats of PE elements; the unit emits one beat of
// PE maxima per group, so an output pixel takes CHANNELS/PE beats out and K2 times that in.
module bcnn_maxpool #(
    parameter int CHANNELS = 8,
    parameter int PE = 2,
    parameter int K2 = 4,
    parameter int BITS = 2,
    parameter bit SIGNED = 1'b0
) (
    input  wire logic               clk,
    input  wire logic               rst_n,
    input  wire logic [PE*BITS-1:0] in_tdata,
    input  wire logic               in_tvalid,
    output logic               in_tready,
    output logic [PE*BITS-1:0] out_tdata,
    output logic               out_tvalid,
    input  wire logic               out_tready
);
  initial begin
    if (CHANNELS % PE != 0) $fatal(1, "bcnn_maxpool: PE must divide CHANNELS");
  end

  logic first;
  logic [PE*BITS-1:0] best, merged;

  function automatic logic greater(input logic [BITS-1:0] a, input logic [BITS-1:0] b);
    return SIGNED ? signed'(a) > signed'(b) : a > b;
  endfunction

  // Running maximum including the current beat (the first position of a window starts afresh).
  always_comb begin
    for (int p = 0; p < PE; p++) begin
      merged[p*BITS+:BITS] = (first || greater(in_tdata[p*BITS+:BITS], best[p*BITS+:BITS]))
          ? in_tdata[p*BITS+:BITS] : best[p*BITS+:BITS];
    end
  end

  bcnn_window_fold #(.K2(K2), .WIDTH(PE * BITS)) u_fold (
      .clk, .rst_n, .in_tvalid, .in_tready, .first, .partial(best), .merged, .out_tdata, .out_tvalid, .out_tready
  );
endmodule
`default_nettype wire
