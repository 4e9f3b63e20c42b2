// Matrix-vector-threshold unit for binary and few-bit layers, with FINN's folding semantics.
//
// Computes y = act(W x) for an MH x MW weight matrix W, one input vector of MW elements at a time.
// PE output channels and SIMD input elements are processed per cycle: one vector takes
// NF * SF cycles (NF = MH/PE neuron folds, SF = MW/SIMD synapse folds), as FINN's MVAU.
// The input vector arrives once (SF beats of SIMD elements, during neuron fold 0) and is replayed
// from a local buffer for the other neuron folds. Each finished neuron fold emits one beat of PE
// outputs. Element i of a beat sits at bits [i*W +: W] (element 0 in the LSBs).
//
// Arithmetic modes (the product of one weight w and one input x):
//   XNOR      : 1-bit weights and inputs; product = xnor(w, x) in {0, 1} (a popcount of matches,
//               as FINN's XnorPopcountMatMul, whose thresholds already account for it)
//   W_BIPOLAR : 1-bit weights meaning {-1, +1} (bit 1 = +1); product = +x or -x
//   otherwise : W_BITS-bit signed weights times inputs
// Activation: with N_THRES > 0, out = ACT_VAL + #{i : acc >= threshold[channel][i]} (FINN's
// MultiThreshold); with N_THRES = 0 the raw accumulator is the output (a last layer).
module bcnn_mvau #(
    parameter int MW = 16,
    parameter int MH = 8,
    parameter int PE = 2,
    parameter int SIMD = 4,
    parameter int IN_BITS = 1,
    parameter bit IN_SIGNED = 1'b0,
    parameter int W_BITS = 1,
    parameter bit W_BIPOLAR = 1'b1,
    parameter bit XNOR = 1'b1,
    parameter int ACC_BITS = 16,
    parameter int N_THRES = 1,
    parameter int OUT_BITS = 1,
    parameter int ACT_VAL = 0,
    parameter string WEIGHT_FILE = "weights.hex",
    parameter string THRESH_FILE = "thresholds.hex",
    localparam int OUT_W = N_THRES > 0 ? OUT_BITS : ACC_BITS
) (
    input  logic                    clk,
    input  logic                    rst_n,
    input  logic [SIMD*IN_BITS-1:0] in_tdata,
    input  logic                    in_tvalid,
    output logic                    in_tready,
    output logic [    PE*OUT_W-1:0] out_tdata,
    output logic                    out_tvalid,
    input  logic                    out_tready
);
  localparam int SF = MW / SIMD;
  localparam int NF = MH / PE;
  localparam int SF_W = SF > 1 ? $clog2(SF) : 1;
  localparam int NF_W = NF > 1 ? $clog2(NF) : 1;
  localparam int NT = N_THRES > 0 ? N_THRES : 1;
  localparam int WORD = PE * SIMD * W_BITS;

  initial begin
    if (MW % SIMD != 0 || MH % PE != 0) $fatal(1, "bcnn_mvau: SIMD must divide MW and PE must divide MH");
  end

  // Weights: word nf*SF + sf holds PE x SIMD weights, channel-major (pe p, lane s at p*SIMD+s).
  logic [WORD-1:0] weights[NF*SF];
  logic signed [ACC_BITS-1:0] thresholds[MH*NT];
  initial begin
    $readmemh(WEIGHT_FILE, weights);
    if (N_THRES > 0) $readmemh(THRESH_FILE, thresholds);
  end

  logic [SIMD*IN_BITS-1:0] ibuf[SF];
  logic [SF_W-1:0] sf;
  logic [NF_W-1:0] nf;
  logic signed [ACC_BITS-1:0] acc[PE];

  wire last_sf = int'(sf) == SF - 1;
  wire first_pass = nf == '0;
  // The last synapse fold produces an output beat: it needs a free output register.
  wire can_fire = !last_sf || !out_tvalid || out_tready;
  assign in_tready = rst_n && first_pass && can_fire;
  wire fire = rst_n && can_fire && (first_pass ? in_tvalid : 1'b1);
  wire [SIMD*IN_BITS-1:0] x = first_pass ? in_tdata : ibuf[sf];
  wire [WORD-1:0] w = weights[int'(nf)*SF+int'(sf)];

  function automatic logic signed [ACC_BITS-1:0] product(input logic [W_BITS-1:0] wv,
                                                          input logic [IN_BITS-1:0] xv);
    logic signed [ACC_BITS-1:0] xs, ws;
    logic match;
    match = wv[0] ~^ xv[0];
    xs = IN_SIGNED ? ACC_BITS'(signed'(xv)) : ACC_BITS'(xv);
    ws = ACC_BITS'(signed'(wv));
    if (XNOR) return {{(ACC_BITS - 1) {1'b0}}, match};
    if (W_BIPOLAR) return wv[0] ? xs : -xs;
    return ws * xs;
  endfunction

  logic signed [ACC_BITS-1:0] partial[PE];
  if (XNOR) begin : g_xnor
    // One popcount per PE over SIMD xnor'ed bits (the same sum as the product loop below, in the
    // form synthesis maps to LUT popcount trees and Verilator to a machine popcount).
    always_comb begin
      for (int p = 0; p < PE; p++) partial[p] = ACC_BITS'($countones(~(w[p*SIMD+:SIMD] ^ x)));
    end
  end else begin : g_mul
    always_comb begin
      for (int p = 0; p < PE; p++) begin
        partial[p] = '0;
        for (int s = 0; s < SIMD; s++) begin
          partial[p] += product(w[(p*SIMD+s)*W_BITS+:W_BITS], x[s*IN_BITS+:IN_BITS]);
        end
      end
    end
  end

  function automatic logic [OUT_W-1:0] activate(input logic signed [ACC_BITS-1:0] a, input int channel);
    int count;
    if (N_THRES == 0) return OUT_W'(a);
    count = ACT_VAL;
    for (int i = 0; i < N_THRES; i++) count += int'(a >= thresholds[channel*NT+i]);
    return OUT_W'(count);
  endfunction

  always_ff @(posedge clk) begin
    if (fire && first_pass) ibuf[sf] <= in_tdata;
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      sf <= '0;
      nf <= '0;
      out_tvalid <= 1'b0;
      for (int p = 0; p < PE; p++) acc[p] <= '0;
    end else begin
      if (out_tready) out_tvalid <= 1'b0;
      if (fire) begin
        if (last_sf) begin
          for (int p = 0; p < PE; p++) begin
            out_tdata[p*OUT_W+:OUT_W] <= activate(acc[p] + partial[p], int'(nf) * PE + p);
            acc[p] <= '0;
          end
          out_tvalid <= 1'b1;
          sf <= '0;
          nf <= int'(nf) == NF - 1 ? '0 : nf + 1'b1;
        end else begin
          for (int p = 0; p < PE; p++) acc[p] <= acc[p] + partial[p];
          sf <= sf + 1'b1;
        end
      end
    end
  end
endmodule
