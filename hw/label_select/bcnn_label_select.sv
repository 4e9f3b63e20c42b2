`default_nettype none
// Top-K label select: reads LABELS scores (PE per beat), then emits the indices of the K largest,
// largest first, one index per beat. Ties go to the lower index (as ONNX TopK, FINN's reference).
// With OFFSET_BITS > 0 a label's score is (input << OFFSET_SHIFT) + OFFSETS[label] (signed
// OFFSET_BITS-bit fields, label 0 in the low bits): a classifier's per-class bias, exactly
// (build_flows/transformation/classifier_offsets.py).
module bcnn_label_select #(
    parameter int LABELS = 10,
    parameter int PE = 1,
    parameter int K = 1,
    parameter int BITS = 16,
    parameter bit SIGNED = 1'b1,
    parameter int IDX_BITS = LABELS > 1 ? $clog2(LABELS) : 1,
    parameter int OFFSET_BITS = 0,
    parameter int OFFSET_SHIFT = 0,
    parameter logic [LABELS*(OFFSET_BITS > 0 ? OFFSET_BITS : 1)-1:0] OFFSETS = '0,
    // a score's width: the input widened by the shift and one bit for the sum (and a sign)
    localparam int SCORE_BITS = OFFSET_BITS > 0 ? (BITS + OFFSET_SHIFT > OFFSET_BITS ? BITS + OFFSET_SHIFT : OFFSET_BITS) + 2
                                                : BITS
) (
    input  wire logic                clk,
    input  wire logic                rst_n,
    input  wire logic [ PE*BITS-1:0] in_tdata,
    input  wire logic                in_tvalid,
    output logic                in_tready,
    output logic [IDX_BITS-1:0] out_tdata,
    output logic                out_tvalid,
    input  wire logic                out_tready
);
  localparam int FOLDS = LABELS / PE;
  localparam int F_W = FOLDS > 1 ? $clog2(FOLDS) : 1;
  localparam int K_W = K > 1 ? $clog2(K) : 1;

  initial begin
    if (LABELS % PE != 0 || K > LABELS) $fatal(1, "bcnn_label_select: PE must divide LABELS and K <= LABELS");
  end

  // The K best (score, index) so far, best first; `emitting` while they are sent out.
  logic [SCORE_BITS-1:0] score[K];
  logic [IDX_BITS-1:0] index[K];
  logic [F_W-1:0] fold;
  logic emitting;
  logic [K_W-1:0] sent;
  logic [K-1:0] filled;

  assign in_tready = rst_n && !emitting;
  assign out_tvalid = emitting;
  assign out_tdata = index[sent];
  wire fire = in_tvalid && in_tready;

  function automatic logic beats(input logic [SCORE_BITS-1:0] a, input logic [SCORE_BITS-1:0] b);
    return SIGNED || OFFSET_BITS > 0 ? signed'(a) > signed'(b) : a > b;
  endfunction

  // A label's score: its input, or with offsets (input << OFFSET_SHIFT) + its offset, signed.
  // (`label` is an int for the index arithmetic; without offsets it selects nothing.)
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic [SCORE_BITS-1:0] label_score(input logic [BITS-1:0] value, input int label);
    logic signed [SCORE_BITS-1:0] widened, offset;
    if (OFFSET_BITS == 0) return SCORE_BITS'(value);
    widened = SIGNED ? SCORE_BITS'(signed'(value)) : SCORE_BITS'(value);
    offset = SCORE_BITS'(signed'(OFFSETS[label*(OFFSET_BITS > 0 ? OFFSET_BITS : 1)+:(OFFSET_BITS > 0 ? OFFSET_BITS : 1)]));
    return (widened <<< OFFSET_SHIFT) + offset;
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  // Insert this beat's PE candidates, in index order, into the sorted list: a candidate goes in
  // before the first entry it strictly beats (so an equal score never overtakes an earlier index)
  // and every entry after that shifts down by one.
  logic [SCORE_BITS-1:0] next_score[K];
  logic [IDX_BITS-1:0] next_index[K];
  logic [K-1:0] next_filled;
  always_comb begin
    logic [SCORE_BITS-1:0] cs, ts;
    logic [IDX_BITS-1:0] ci, ti;
    logic cv, tv, shifting;
    {ts, ti, tv} = '0;
    for (int j = 0; j < K; j++) begin
      next_score[j] = fold == '0 ? '0 : score[j];
      next_index[j] = fold == '0 ? '0 : index[j];
      next_filled[j] = fold == '0 ? 1'b0 : filled[j];
    end
    for (int p = 0; p < PE; p++) begin
      cs = label_score(in_tdata[p*BITS+:BITS], int'(fold) * PE + p);
      ci = IDX_BITS'(int'(fold) * PE + p);
      cv = 1'b1;
      shifting = 1'b0;
      for (int j = 0; j < K; j++) begin
        if (cv && (shifting || !next_filled[j] || beats(cs, next_score[j]))) begin
          shifting = 1'b1;
          ts = next_score[j];
          ti = next_index[j];
          tv = next_filled[j];
          next_score[j] = cs;
          next_index[j] = ci;
          next_filled[j] = 1'b1;
          cs = ts;
          ci = ti;
          cv = tv;
        end
      end
    end
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      fold <= '0;
      emitting <= 1'b0;
      sent <= '0;
      filled <= '0;
      for (int j = 0; j < K; j++) begin
        score[j] <= '0;
        index[j] <= '0;
      end
    end else if (emitting) begin
      if (out_tready) begin
        if (int'(sent) == K - 1) begin
          emitting <= 1'b0;
          sent <= '0;
        end else begin
          sent <= sent + 1'b1;
        end
      end
    end else if (fire) begin
      score <= next_score;
      index <= next_index;
      filled <= next_filled;
      if (int'(fold) == FOLDS - 1) begin
        fold <= '0;
        emitting <= 1'b1;
      end else begin
        fold <= fold + 1'b1;
      end
    end
  end
endmodule
`default_nettype wire
