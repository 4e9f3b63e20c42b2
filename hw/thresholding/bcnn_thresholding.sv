`default_nettype none
// Multi-threshold activation (FINN's Thresholding layer): out = ACT_VAL + #{i : x >= t[c][i]} for
// each of PE channels per beat; CHANNELS/PE beats make one pixel (channel fold outer).
//
// The thresholds of a channel are sorted, so the count is found by binary search, one bit per
// pipeline stage, most significant first: stage s compares x with the threshold that splits the
// range the earlier bits left. The N_THRES thresholds are padded to 2^B - 1 (B = STAGES) with a
// value no input reaches. Every stage reads its threshold from its own ROM (registered read,
// THRESH_STYLE as FINN+'s ram_style; stages from BLOCK_FROM on, whose ROMs are deep, in block
// RAM), addressed by the channel fold and the bits found so far;
// ROM (lane p, stage s) holds, per channel fold f and prefix j < 2^s, the threshold of index
// (2j + 1) * 2^(B-1-s) - 1, from "<THRESH_PREFIX>p<p>_s<s>.hex". With MEM_FOLDS = 1 every channel
// shares one set of thresholds (a requantization onto a shortcut's grid): the ROMs hold that set
// once, not once per channel fold, and are addressed by the bits found so far alone.
//
// Inputs and thresholds are compared as CMP_BITS-bit signed numbers. The pipeline advances
// whenever the output register is free: one beat per cycle, B + 1 cycles of latency.
module bcnn_thresholding #(
    parameter int CHANNELS = 4,
    parameter int PE = 2,
    parameter int IN_BITS = 4,
    parameter bit IN_SIGNED = 1'b0,
    parameter int STAGES = 2,  // B: ceil(log2(N_THRES + 1))
    parameter int OUT_BITS = 2,
    parameter int ACT_VAL = 0,
    parameter string THRESH_PREFIX = "thresholds_",
    parameter string THRESH_STYLE = "distributed",
    parameter int BLOCK_FROM = STAGES,  // stages from this one on (the deepest) in block RAM, the others THRESH_STYLE
    parameter int MEM_FOLDS = CHANNELS / PE,  // channel folds the ROMs tell apart: all of them, or 1 (shared)
    localparam int CMP_BITS = IN_BITS + 2
) (
    input  wire logic                  clk,
    input  wire logic                  rst_n,
    input  wire logic [PE*IN_BITS-1:0] in_tdata,
    input  wire logic                  in_tvalid,
    output logic                       in_tready,
    output logic      [PE*OUT_BITS-1:0] out_tdata,
    output logic                       out_tvalid,
    input  wire logic                  out_tready
);
  localparam int NF = CHANNELS / PE;
  localparam int NF_W = NF > 1 ? $clog2(NF) : 1;

  initial begin
    if (CHANNELS % PE != 0) $fatal(1, "bcnn_thresholding: PE must divide CHANNELS");
    if (STAGES < 1) $fatal(1, "bcnn_thresholding: STAGES must be at least 1");
    if (MEM_FOLDS != 1 && MEM_FOLDS != NF) $fatal(1, "bcnn_thresholding: MEM_FOLDS must be 1 or CHANNELS / PE");
  end

  wire advance = !out_tvalid || out_tready;
  assign in_tready = rst_n && advance;
  wire fire = in_tvalid && in_tready;

  logic [NF_W-1:0] fold;
  always_ff @(posedge clk) begin
    if (!rst_n) fold <= '0;
    else if (fire) fold <= int'(fold) == NF - 1 ? '0 : fold + 1'b1;
  end

  // Per stage s (register set s feeds stage s's compare): valid, channel fold, inputs and, per
  // lane, the count bits found so far (s of them, in the low bits).
  logic valid[STAGES+1];
  logic [NF_W-1:0] f[STAGES+1];
  logic signed [CMP_BITS-1:0] x[STAGES+1][PE];
  logic [STAGES-1:0] found[STAGES+1][PE];

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      for (int s = 0; s <= STAGES; s++) valid[s] <= 1'b0;
    end else if (advance) begin
      valid[0] <= fire;
      for (int s = 1; s <= STAGES; s++) valid[s] <= valid[s-1];
    end
  end

  always_ff @(posedge clk) begin
    if (advance) begin
      f[0] <= fold;
      for (int p = 0; p < PE; p++) begin
        x[0][p] <= IN_SIGNED ? CMP_BITS'(signed'(in_tdata[p*IN_BITS+:IN_BITS]))
                             : CMP_BITS'(in_tdata[p*IN_BITS+:IN_BITS]);
        found[0][p] <= '0;
      end
    end
  end

  for (genvar s = 0; s < STAGES; s++) begin : g_stage
    for (genvar p = 0; p < PE; p++) begin : g_lane
      localparam int DEPTH = MEM_FOLDS << s;
      localparam int A_W = DEPTH > 1 ? $clog2(DEPTH) : 1;
      logic [CMP_BITS-1:0] t;
      logic [A_W-1:0] addr;
      // The address of stage s's threshold: the fold and the s bits found before stage s. For
      // stage 0 it is computed from the incoming beat, for later stages from the previous
      // stage's compare, so that the registered read returns it as stage s's registers fill.
      if (s == 0) begin : g_first
        assign addr = MEM_FOLDS > 1 ? A_W'(fold) : '0;
      end else begin : g_next
        wire bit_prev = g_stage[s-1].g_lane[p].hit;
        wire [NF_W-1:0] mem_fold = MEM_FOLDS > 1 ? f[s-1] : '0;
        assign addr = A_W'((int'(mem_fold) << s) | ((int'(found[s-1][p]) << 1) | int'(bit_prev)));
      end
      bcnn_rom #(
          .WIDTH(CMP_BITS),
          .DEPTH(DEPTH),
          .INIT_FILE($sformatf("%sp%0d_s%0d.hex", THRESH_PREFIX, p, s)),
          .STYLE(s >= BLOCK_FROM ? "block" : THRESH_STYLE)
      ) u_rom (
          .clk (clk),
          .en  (advance),
          .addr(addr),
          .data(t)
      );
      wire hit = x[s][p] >= signed'(t);
      always_ff @(posedge clk) begin
        if (advance) begin
          x[s+1][p] <= x[s][p];
          found[s+1][p] <= (found[s][p] << 1) | STAGES'(hit);
        end
      end
    end
    always_ff @(posedge clk) begin
      if (advance) f[s+1] <= f[s];
    end
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      out_tvalid <= 1'b0;
    end else if (advance) begin
      out_tvalid <= valid[STAGES];
      for (int p = 0; p < PE; p++) out_tdata[p*OUT_BITS+:OUT_BITS] <= OUT_BITS'(ACT_VAL + int'(found[STAGES][p]));
    end
  end
endmodule
`default_nettype wire
