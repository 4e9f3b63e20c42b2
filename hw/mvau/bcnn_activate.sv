`default_nettype none
// The last stage of the matrix-vector units (bcnn_mvau, bcnn_frac_mvau): PE finished sums, each
// compared with its channel's thresholds into the output register, out = ACT_VAL +
// #{i : sum >= threshold[i]} (FINN's MultiThreshold), or with N_THRES = 0 the raw sum (with
// CORRECT: CORRECT_SCALE * sum + CORRECT_BIAS + threshold[0], a zero-padded window's dot
// product, see bcnn_mvau's BORDER).
// Sum p at bits [p*ACC_BITS +: ACC_BITS], threshold i of lane p at [(p*NT + i)*ACC_BITS +: ACC_BITS].
module bcnn_activate #(
    parameter int PE = 2,
    parameter int ACC_BITS = 16,
    parameter int N_THRES = 1,
    parameter int OUT_BITS = 1,
    parameter int ACT_VAL = 0,
    parameter bit CORRECT = 1'b0,
    parameter int CORRECT_SCALE = 2,
    parameter int CORRECT_BIAS = 0,
    localparam int OUT_W = N_THRES > 0 ? OUT_BITS : ACC_BITS,
    localparam int NT = N_THRES > 0 ? N_THRES : 1
) (
    input  wire logic                      clk,
    input  wire logic                      rst_n,
    input  wire logic                      advance,     // the unit's pipeline moves this cycle
    input  wire logic                      valid,       // `sums` hold a finished neuron fold
    input  wire logic [   PE*ACC_BITS-1:0] sums,
    // raw sums (N_THRES = 0) read no thresholds, unless CORRECT
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire logic [PE*NT*ACC_BITS-1:0] thresholds,
    /* verilator lint_on UNUSEDSIGNAL */
    output logic      [      PE*OUT_W-1:0] out_tdata,
    output logic                           out_tvalid
);
  function automatic logic [OUT_W-1:0] activate(input logic signed [ACC_BITS-1:0] a, input int p);
    int count;
    if (N_THRES == 0 && CORRECT) return OUT_W'(CORRECT_SCALE * int'(a) + CORRECT_BIAS + int'(signed'(thresholds[p*ACC_BITS+:ACC_BITS])));
    if (N_THRES == 0) return OUT_W'(a);
    count = ACT_VAL;
    for (int i = 0; i < N_THRES; i++) count += int'(a >= signed'(thresholds[(p*NT+i)*ACC_BITS+:ACC_BITS]));
    return OUT_W'(count);
  endfunction

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      out_tvalid <= 1'b0;
    end else if (advance) begin
      out_tvalid <= valid;
      for (int p = 0; p < PE; p++) out_tdata[p*OUT_W+:OUT_W] <= activate(sums[p*ACC_BITS+:ACC_BITS], p);
    end
  end
endmodule
`default_nettype wire
