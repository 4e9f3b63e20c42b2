`default_nettype none
// FracBNN's fractional-activation unit: binary weights, 2-bit activations in two binary passes.
//
// Input element i is a 2-bit code at bits [2i +: 2]: bit 1 the MSB, bit 0 the LSB of the
// activation msb + lsb / 2 (bit 1 meaning +1, as every bipolar stream). For an MH x MW weight
// matrix, PE output channels and SIMD input elements per cycle (FINN's folding), each neuron fold
//   1. runs the MSB pass: SF = MW/SIMD cycles, pa[p] = popcount(xnor(w, msb)) per PE;
//   2. gates: g[p] = GATE_LO[ch] <= pa[p] <= GATE_HI[ch] (the trained |BN(W.msb)| < delta as an
//      interval on the integer popcount);
//   3. runs the LSB pass (SF cycles, pb = popcount(xnor(w, lsb)));
//   4. emits acc = 4*pa + (g ? 2*pb - MW : 0), thresholded as bcnn_mvau does (N_THRES > 0:
//      out = ACT_VAL + #{t : acc >= thr[ch][t]}) or raw.
// SKIP_LSB = 1 skips the LSB pass of a fold in which no g[p] is set, decided GATE_WAIT = 3 cycles
// after the MSB pass's last beat: NF * (SF + 3) + SF * (folds with an LSB pass) cycles per vector.
// SKIP_LSB = 0 runs both passes back to back, 2 * NF * SF cycles, and applies the gate in the sum:
// cheaper where SF is small (the wait is per fold), and no decision loop back to the issue stage.
//
// The datapath is a pipeline (issue, popcount, chunk sum, accumulate, activate) that advances as
// a whole when the output register is free, with the issue stage sequencing the passes. The input
// vector is read once (the first fold's MSB pass) into a buffer the other passes replay. Weights
// (WEIGHT_STYLE), gate intervals and thresholds (LUTs) are ROMs with registered reads.
module bcnn_frac_mvau #(
    parameter int MW = 16,
    parameter int MH = 8,
    parameter int PE = 2,
    parameter int SIMD = 4,
    parameter int ACC_BITS = 12,
    parameter int N_THRES = 3,
    parameter int OUT_BITS = 2,
    parameter int ACT_VAL = 0,
    parameter string WEIGHT_FILE = "weights.hex",
    parameter string GATE_FILE = "gates.hex",
    parameter string THRESH_FILE = "thresholds.hex",
    parameter string WEIGHT_STYLE = "block",
    parameter bit SKIP_LSB = 1,
    localparam int OUT_W = N_THRES > 0 ? OUT_BITS : ACC_BITS,
    localparam int GATE_BITS = $clog2(MW + 2) + 1  // signed, holds 0 .. MW + 1
) (
    input  wire logic                 clk,
    input  wire logic                 rst_n,
    input  wire logic [ SIMD*2-1:0]   in_tdata,
    input  wire logic                 in_tvalid,
    output logic                      in_tready,
    output logic      [PE*OUT_W-1:0]  out_tdata,
    output logic                      out_tvalid,
    input  wire logic                 out_tready
);
  localparam int SF = MW / SIMD;
  localparam int NF = MH / PE;
  localparam int WDEPTH = NF * SF;
  localparam int SF_W = SF > 1 ? $clog2(SF) : 1;
  localparam int NF_W = NF > 1 ? $clog2(NF) : 1;
  localparam int WA_W = WDEPTH > 1 ? $clog2(WDEPTH) : 1;
  localparam int NT = N_THRES > 0 ? N_THRES : 1;
  localparam int WORD = PE * SIMD;
  localparam int TWORD = PE * NT * ACC_BITS;
  localparam int GWORD = PE * 2 * GATE_BITS;
  localparam int CHUNK = SIMD > 32 ? 32 : SIMD;
  localparam int NCH = (SIMD + CHUNK - 1) / CHUNK;

  initial begin
    if (MW % SIMD != 0 || MH % PE != 0) $fatal(1, "bcnn_frac_mvau: SIMD must divide MW and PE must divide MH");
  end

  // ---- 1: issue ---------------------------------------------------------------------------
  typedef enum logic [1:0] {
    S_MSB,
    S_WAIT,
    S_LSB
  } state_t;
  state_t state;
  logic [SF_W-1:0] sf;
  logic [NF_W-1:0] nf;
  logic [WA_W-1:0] wbase;  // nf * SF, counted rather than multiplied

  wire last_sf = int'(sf) == SF - 1;
  wire last_nf = int'(nf) == NF - 1;
  wire read_input = state == S_MSB && nf == '0;
  wire advance = !out_tvalid || out_tready;
  assign in_tready = rst_n && read_input && advance;
  wire issue = rst_n && advance && (state == S_LSB || (state == S_MSB && (!read_input || in_tvalid)));
  wire [WA_W-1:0] waddr = wbase + WA_W'(sf);

  // The gate decision (SKIP_LSB), made in stage 4 when the MSB pass's last beat arrives (below).
  logic decide, any_gate;

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      state <= S_MSB;
      sf <= '0;
      nf <= '0;
      wbase <= '0;
    end else begin
      if (issue) sf <= last_sf ? '0 : sf + 1'b1;
      // a neuron fold ends after its LSB pass, or at a decision that it needs none
      if ((issue && last_sf && state == S_LSB) || (state == S_WAIT && decide && !any_gate)) begin
        nf <= last_nf ? '0 : nf + 1'b1;
        wbase <= last_nf ? '0 : wbase + WA_W'(SF);
      end
      if (issue && last_sf && state == S_MSB) state <= SKIP_LSB ? S_WAIT : S_LSB;
      else if (issue && last_sf && state == S_LSB) state <= S_MSB;
      else if (state == S_WAIT && decide) state <= any_gate ? S_LSB : S_MSB;
    end
  end

  // Per stage: the beat is valid, ends a pass, belongs to the LSB pass.
  logic v1, v2, v3, v4, last1, last2, last3, lsb1, lsb2, lsb3;
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      {v1, v2, v3, last1, last2, last3, lsb1, lsb2, lsb3} <= '0;
    end else if (advance) begin
      v1 <= issue;
      last1 <= last_sf;
      lsb1 <= state == S_LSB;
      {v2, last2, lsb2} <= {v1, last1, lsb1};
      {v3, last3, lsb3} <= {v2, last2, lsb2};
    end
  end

  logic [WORD-1:0] w1;
  bcnn_rom #(
      .WIDTH(WORD),
      .DEPTH(WDEPTH),
      .INIT_FILE(WEIGHT_FILE),
      .STYLE(WEIGHT_STYLE)
  ) u_weights (
      .clk (clk),
      .en  (advance),
      .addr(waddr),
      .data(w1)
  );

  // The input vector's codes, for the passes after the first (LUT RAM, asynchronous read into
  // the registered x1, which holds the pass's bit of every lane).
  (* ram_style = "distributed" *) logic [SIMD*2-1:0] ibuf[SF];
  wire [SIMD*2-1:0] codes = read_input ? in_tdata : ibuf[sf];
  logic [SIMD-1:0] x1;
  always_ff @(posedge clk) begin
    if (issue && read_input) ibuf[sf] <= in_tdata;
  end
  always_ff @(posedge clk) begin
    if (advance) begin
      for (int s = 0; s < SIMD; s++) x1[s] <= codes[2*s+(state == S_LSB ? 0 : 1)];
    end
  end

  // ---- 2: popcount, in chunks of CHUNK lanes (bcnn_xnor_popcount) ---------------------------
  // The chunks are registered here and added in a tree of their own stage.
  logic [ACC_BITS-1:0] partial[PE][NCH], partial2[PE][NCH];
  for (genvar p = 0; p < PE; p++) begin : g_pe
    logic [NCH*ACC_BITS-1:0] counts;
    bcnn_xnor_popcount #(.SIMD(SIMD), .CHUNK(CHUNK), .W(ACC_BITS)) u_popcount (
        .w(w1[p*SIMD+:SIMD]), .x(x1), .counts(counts));
    for (genvar c = 0; c < NCH; c++) begin : g_chunk
      assign partial[p][c] = counts[c*ACC_BITS+:ACC_BITS];
    end
  end
  always_ff @(posedge clk) begin
    if (advance) partial2 <= partial;
  end

  // ---- 3: chunk sum ---------------------------------------------------------------------------
  // A balanced tree (bcnn_sum_tree): ceil(log2(NCH)) adders deep where a running sum is NCH.
  logic [ACC_BITS-1:0] beat3[PE];
  for (genvar p = 0; p < PE; p++) begin : g_chunk_sum
    logic [NCH*ACC_BITS-1:0] terms;
    logic [ACC_BITS-1:0] sum;
    always_comb begin
      for (int c = 0; c < NCH; c++) terms[c*ACC_BITS+:ACC_BITS] = partial2[p][c];
    end
    bcnn_sum_tree #(
        .N(NCH),
        .W(ACC_BITS)
    ) u_tree (
        .terms(terms),
        .sum  (sum)
    );
    always_ff @(posedge clk) begin
      if (advance) beat3[p] <= sum;
    end
  end

  // Gate intervals (read with stage 2's fold, so they arrive for stage 4) and thresholds (read
  // with stage 3's fold, for stage 5).
  logic [NF_W-1:0] nf1, nf2;
  always_ff @(posedge clk) begin
    if (advance) begin
      nf1 <= nf;
      nf2 <= nf1;
    end
  end
  logic [GWORD-1:0] gates4;
  bcnn_rom #(
      .WIDTH(GWORD),
      .DEPTH(NF),
      .INIT_FILE(GATE_FILE),
      .STYLE("distributed")
  ) u_gates (
      .clk (clk),
      .en  (advance),
      .addr(nf2),
      .data(gates4)
  );
  logic [TWORD-1:0] thr5;
  if (N_THRES > 0) begin : g_thresholds
    logic [NF_W-1:0] nf3;
    always_ff @(posedge clk) begin
      if (advance) nf3 <= nf2;
    end
    bcnn_rom #(
        .WIDTH(TWORD),
        .DEPTH(NF),
        .INIT_FILE(THRESH_FILE),
        .STYLE("distributed")
    ) u_thresholds (
        .clk (clk),
        .en  (advance),
        .addr(nf3),
        .data(thr5)
    );
  end else begin : g_no_thresholds
    assign thr5 = '0;
  end

  // ---- 4: accumulate, gate ------------------------------------------------------------------
  logic signed [ACC_BITS-1:0] acc[PE];  // the running pass
  logic signed [ACC_BITS-1:0] msb4m[PE];  // 4 * pa - MW: the gated result's MSB part
  logic signed [ACC_BITS-1:0] total[PE];
  logic gate[PE];  // the fold's gates
  logic gate_now[PE];
  logic signed [ACC_BITS-1:0] sum4[PE];

  always_comb begin
    any_gate = 1'b0;
    for (int p = 0; p < PE; p++) begin
      total[p] = acc[p] + beat3[p];
      gate_now[p] = total[p] >= ACC_BITS'(signed'(gates4[(2*p)*GATE_BITS+:GATE_BITS]))
          && total[p] <= ACC_BITS'(signed'(gates4[(2*p+1)*GATE_BITS+:GATE_BITS]));
      any_gate |= gate_now[p];
    end
  end
  assign decide = advance && v3 && last3 && !lsb3;

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      for (int p = 0; p < PE; p++) acc[p] <= '0;
      v4 <= 1'b0;
    end else if (advance) begin
      // a fold's result: at its LSB pass's end, or at its MSB pass's end when a skipping unit
      // gates nothing
      v4 <= v3 && last3 && (lsb3 || (SKIP_LSB && !any_gate));
      if (v3) begin
        for (int p = 0; p < PE; p++) begin
          acc[p] <= last3 ? '0 : total[p];
          if (last3 && !lsb3) begin
            gate[p] <= gate_now[p];
            sum4[p] <= total[p] <<< 2;  // the result if the output is not gated
            msb4m[p] <= (total[p] <<< 2) - ACC_BITS'(MW);
          end else if (last3 && gate[p]) begin
            sum4[p] <= msb4m[p] + (total[p] <<< 1);
          end
        end
      end
    end
  end

  // ---- 5: activate --------------------------------------------------------------------------
  logic [PE*ACC_BITS-1:0] sums4;
  always_comb begin
    for (int p = 0; p < PE; p++) sums4[p*ACC_BITS+:ACC_BITS] = sum4[p];
  end
  bcnn_activate #(
      .PE(PE),
      .ACC_BITS(ACC_BITS),
      .N_THRES(N_THRES),
      .OUT_BITS(OUT_BITS),
      .ACT_VAL(ACT_VAL)
  ) u_activate (
      .clk(clk),
      .rst_n(rst_n),
      .advance(advance),
      .valid(v4),
      .sums(sums4),
      .thresholds(thr5),
      .out_tdata(out_tdata),
      .out_tvalid(out_tvalid)
  );
endmodule
`default_nettype wire
