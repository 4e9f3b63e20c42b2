`default_nettype none
// Matrix-vector-threshold unit for binary and few-bit layers, with FINN's folding semantics.
//
// Computes y = act(W x) for an MH x MW weight matrix W, one input vector of MW elements at a time.
// PE output channels and SIMD input elements are processed per cycle: one vector takes
// NF * SF cycles (NF = MH/PE neuron folds, SF = MW/SIMD synapse folds), as FINN's MVAU.
// The input vector arrives once (SF beats of SIMD elements, during neuron fold 0) and is replayed
// from a local buffer for the other neuron folds. Each finished neuron fold emits one beat of PE
// outputs. Element i of a beat sits at bits [i*W +: W] (element 0 in the LSBs).
//
// A pipeline of four register stages (and two optional ones), one fold per cycle each; it advances
// as a whole whenever the output register is free (or being read):
//   1 issue     : step the fold counters; read the fold's weights from a ROM with a registered read
//                 (block RAM or LUTs, WEIGHT_STYLE as FINN+'s ram_style); register the input beat;
//   1' weights  : (block ROMs deeper than 1,024 words) the weights registered once more;
//   2 reduce    : the fold's PE dot products over SIMD lanes (popcounts in XNOR mode) in chunks
//                 of at most 32 (XNOR) or 8 lanes, registered;
//   3' chunks   : (more than two chunks) their balanced-tree sum, registered;
//                 the neuron fold's thresholds are read (THRESH_STYLE ROM, registered read) so
//                 that they arrive with stage 3's sums;
//   3 accumulate: add the fold's sum into the PE accumulators; a vector's last fold registers the
//                 finished sums;
//   4 activate  : compare the sums with their thresholds into the output register.
// Everything that leaves the unit comes from a register. The only combinational path from an
// output to an input is out_tready -> in_tready; the stitched top puts a FIFO, whose ready is
// registered, on both sides of every layer.
//
// Arithmetic modes (the product of one weight w and one input x):
//   XNOR      : 1-bit weights and inputs; product = xnor(w, x) in {0, 1} (a popcount of matches,
//               as FINN's XnorPopcountMatMul, whose thresholds already account for it)
//   W_BIPOLAR : 1-bit weights meaning {-1, +1} (bit 1 = +1); product = +x or -x
//   IN_BIPOLAR: 1-bit inputs meaning {-1, +1} (a binary activation before a few-bit layer)
//   otherwise : W_BITS-bit signed weights times inputs, in LUTs (shift and add) or, with MUL_DSP
//               (FINN+'s resType "dsp"), as multiplications a synthesizer maps to DSP slices
// Activation: with N_THRES > 0, out = ACT_VAL + #{i : acc >= threshold[channel][i]} (FINN's
// MultiThreshold); with N_THRES = 0 the raw accumulator is the output (a last layer).
//
// BORDER (XNOR, or IN_BIPOLAR): the input vectors are the windows of a zero-padded convolution,
// padded with the code 0 (the value -1; build_flows/custom_op/border.py). Each output pixel has a class by its distance to
// the border (per axis: 0 inside, 1..ROW_BEGIN for the first rows, then one per row from
// ROW_END_START on; the same for columns), counted from the vectors as they arrive; the
// thresholds are per class (word class * NF + nf). With N_THRES = 0 that word holds the class's
// correction c instead, and the output is 2 * popcount - MW + c (XNOR) or sum + c: the
// zero-padded dot product.
// PAD_COUNT (BORDER, XNOR; every fold's lanes split into groups of G lanes that each lie in one
// window position: G = SIMD when SIMD divides CH, else G = CH dividing SIMD): the accumulator
// counts the padding exactly instead, so the thresholds stay one word per neuron fold. A group
// at a padded position (KH x KW window, its row and column taps padded per pixel class as
// ROW_PAD and COL_PAD tell) adds G/2 matches, nothing's share of (dot + MW) / 2, in place of its
// popcount; for odd G everything counts twice (2 * popcount, G). So acc = (dot + MW) / 2
// (even G) or dot + MW, the thresholds are on that, and a raw output is 2 * acc - MW (acc - MW).
// A per-class threshold ROM (class-sized, as wide as PE thresholds) costs more LUTs than the
// group's mux, which sits in the fold register's synchronous set/reset when NG = 1.
module bcnn_mvau #(
    parameter int MW = 16,
    parameter int MH = 8,
    parameter int PE = 2,
    parameter int SIMD = 4,
    parameter int IN_BITS = 1,
    parameter bit IN_SIGNED = 1'b0,
    parameter bit IN_BIPOLAR = 1'b0,  // 1-bit inputs meaning {-1, +1} (bit 1 = +1), outside XNOR mode
    parameter int W_BITS = 1,
    parameter bit W_BIPOLAR = 1'b1,
    parameter bit XNOR = 1'b1,
    parameter int ACC_BITS = 16,
    parameter int N_THRES = 1,
    parameter int OUT_BITS = 1,
    parameter int ACT_VAL = 0,
    parameter string WEIGHT_FILE = "weights.hex",
    parameter string THRESH_FILE = "thresholds.hex",
    parameter string WEIGHT_STYLE = "block",
    parameter string THRESH_STYLE = "distributed",
    parameter bit MUL_DSP = 1'b0,
    parameter bit BORDER = 1'b0,
    parameter int OUT_H = 1,  // BORDER: output pixels per column and row
    parameter int OUT_W_PX = 1,
    parameter int ROW_BEGIN = 0,  // BORDER: rows and columns that are classes of their own
    parameter int ROW_END_START = 1,
    parameter int COL_BEGIN = 0,
    parameter int COL_END_START = 1,
    parameter bit PAD_COUNT = 1'b0,
    parameter int KH = 1,  // PAD_COUNT: the window, KH x KW positions of CH channels
    parameter int KW = 1,
    parameter int CH = 1,
    // PAD_COUNT: bit class * KH + k (class * KW + k) set when kernel row (column) k of a pixel
    // row (column) of that class lies in the padding
    parameter logic [(1 + ROW_BEGIN + OUT_H - ROW_END_START)*KH-1:0] ROW_PAD = '0,
    parameter logic [(1 + COL_BEGIN + OUT_W_PX - COL_END_START)*KW-1:0] COL_PAD = '0,
    localparam int OUT_W = N_THRES > 0 ? OUT_BITS : ACC_BITS
) (
    input  wire logic                    clk,
    input  wire logic                    rst_n,
    input  wire logic [SIMD*IN_BITS-1:0] in_tdata,
    input  wire logic                    in_tvalid,
    output logic                         in_tready,
    output logic      [    PE*OUT_W-1:0] out_tdata,
    output logic                         out_tvalid,
    input  wire logic                    out_tready
);
  localparam int SF = MW / SIMD;
  localparam int NF = MH / PE;
  localparam int WDEPTH = NF * SF;
  localparam int SF_W = SF > 1 ? $clog2(SF) : 1;
  localparam int NF_W = NF > 1 ? $clog2(NF) : 1;
  localparam int WA_W = WDEPTH > 1 ? $clog2(WDEPTH) : 1;
  localparam int NT = N_THRES > 0 ? N_THRES : 1;
  localparam int ROW_CLASSES = 1 + ROW_BEGIN + OUT_H - ROW_END_START;
  localparam int COL_CLASSES = 1 + COL_BEGIN + OUT_W_PX - COL_END_START;
  localparam bit COUNT = BORDER && PAD_COUNT;
  localparam int CLASSES = BORDER && !COUNT ? ROW_CLASSES * COL_CLASSES : 1;
  localparam int G = CH % SIMD == 0 ? SIMD : CH;  // COUNT: lanes per group, groups per fold
  localparam int NG = SIMD / G;
  localparam int UNIT = G % 2 == 0 ? 1 : 2;  // what one match counts
  localparam int TDEPTH = CLASSES * NF;
  localparam int TA_W = TDEPTH > 1 ? $clog2(TDEPTH) : 1;
  localparam int WORD = PE * SIMD * W_BITS;
  localparam int TWORD = PE * NT * ACC_BITS;
  localparam int XW = SIMD * IN_BITS;
  // Lanes summed together in stage 2 (popcounts in XNOR mode, products otherwise; the chunks are
  // added in stage 3); PAD_COUNT with several lane groups per fold chunks whole groups
  localparam int CHUNK = XNOR ? (SIMD > 32 ? 32 : SIMD) : (SIMD > 8 ? 8 : SIMD);
  localparam int GPC = G >= CHUNK ? 1 : CHUNK / G;  // PAD_COUNT with lane groups: whole groups per chunk
  localparam int NCH = XNOR && COUNT && NG > 1 ? (NG + GPC - 1) / GPC : (SIMD + CHUNK - 1) / CHUNK;
  // Bipolar weights on few-bit inputs: a -1 weight's product -x is taken as ~x = -x - 1 (no
  // carry chain per lane) and the fold's count of -1 weights is one more chunk, added in stage 3
  // (an 8-bit stem's product sum 8.02 -> 6.67 ns by the xc7 timing proxy)
  localparam bit NEGS = !XNOR && W_BIPOLAR;
  localparam int NCHX = NCH + int'(NEGS);
  // More than two chunks are summed in a balanced tree in a pipeline stage of its own (stage 3'):
  // 16 chunks in series with the accumulator were a 4.02 ns path on xcup (ResNet-18, SIMD 512)
  localparam bit TREE = NCHX > 2;
  // A block ROM deeper than one block RAM holds at 18 bits (1,024 words) is split in depth and its
  // word selected by LUTs after the RAMs' outputs: registered once more (stage 1'), as the RAMs'
  // output registers would be (ResNet-18's 4,608-word weight ROMs: 0.9 ns of multiplexer)
  localparam bit W_REG = WEIGHT_STYLE == "block" && WDEPTH > 1024;

  initial begin
    if (MW % SIMD != 0 || MH % PE != 0) $fatal(1, "bcnn_mvau: SIMD must divide MW and PE must divide MH");
    if (BORDER && !XNOR && !IN_BIPOLAR) $fatal(1, "bcnn_mvau: BORDER needs XNOR mode or bipolar inputs");
    if (COUNT && (!XNOR || KH * KW * CH != MW || (CH % SIMD != 0 && SIMD % CH != 0)))
      $fatal(1, "bcnn_mvau: PAD_COUNT needs XNOR mode, MW = KH * KW * CH and SIMD dividing CH or CH dividing SIMD");
  end

  // ---- 1: issue ---------------------------------------------------------------------------
  logic [SF_W-1:0] sf;
  logic [NF_W-1:0] nf;
  logic [WA_W-1:0] waddr;  // nf * SF + sf, counted rather than multiplied

  wire last_sf = int'(sf) == SF - 1;
  wire first_pass = nf == '0;
  wire advance = !out_tvalid || out_tready;
  assign in_tready = rst_n && first_pass && advance;
  wire issue = rst_n && advance && (first_pass ? in_tvalid : 1'b1);

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      sf <= '0;
      nf <= '0;
      waddr <= '0;
    end else if (issue) begin
      waddr <= int'(waddr) == WDEPTH - 1 ? '0 : waddr + 1'b1;
      if (last_sf) begin
        sf <= '0;
        nf <= int'(nf) == NF - 1 ? '0 : nf + 1'b1;
      end else begin
        sf <= sf + 1'b1;
      end
    end
  end

  // Per stage: the fold it holds is valid, and is a vector's last.
  logic v1, v2, v3, last1, last2;
  logic v_in, last_in;  // the fold entering the accumulator (after the tree stage, if any)
  // stage 2's inputs: stage 1's registers, or their copies one cycle later (W_REG)
  logic [WORD-1:0] w_s;
  logic [XW-1:0] x_s;
  /* verilator lint_off UNUSEDSIGNAL */  // (without PAD_COUNT)
  logic [NG-1:0] pad_s;
  /* verilator lint_on UNUSEDSIGNAL */
  logic v_s, last_s;
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      {v1, v2, v3, last1, last2} <= '0;
    end else if (advance) begin
      v1 <= issue;
      last1 <= last_sf;
      v2 <= v_s;
      last2 <= last_s;
      v3 <= v_in && last_in;
    end
  end

  // Weights: word nf*SF + sf holds PE x SIMD weights, channel-major (pe p, lane s at p*SIMD+s).
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

  // The input vector, kept for the neuron folds after the first (LUT RAM, read asynchronously
  // into the registered x1).
  logic [XW-1:0] x1;
  if (NF > 1) begin : g_replay
    (* ram_style = "distributed" *) logic [XW-1:0] ibuf[SF];
    always_ff @(posedge clk) begin
      if (issue && first_pass) ibuf[sf] <= in_tdata;
    end
    always_ff @(posedge clk) begin
      if (advance) x1 <= first_pass ? in_tdata : ibuf[sf];
    end
  end else begin : g_no_replay
    always_ff @(posedge clk) begin
      if (advance) x1 <= in_tdata;
    end
  end

  // ---- the pixel whose vector is being issued (BORDER) --------------------------------------
  function automatic int axis_class(input int o, input int first, input int end_start);
    if (o < first) return 1 + o;
    if (o >= end_start) return 1 + first + o - end_start;
    return 0;
  endfunction
  /* verilator lint_off UNUSEDSIGNAL */  // (without BORDER; pad1 without PAD_COUNT)
  int row_class, col_class;  // 0 inside, then one class per border row (column)
  logic [NG-1:0] pad1;  // stage 2's fold: its lane groups that lie in the padding (PAD_COUNT)
  /* verilator lint_on UNUSEDSIGNAL */
  if (BORDER) begin : g_pixel
    localparam int OY_W = OUT_H > 1 ? $clog2(OUT_H) : 1;
    localparam int OX_W = OUT_W_PX > 1 ? $clog2(OUT_W_PX) : 1;
    logic [OY_W-1:0] oy;
    logic [OX_W-1:0] ox;
    wire last_fold = issue && last_sf && int'(nf) == NF - 1;  // the pixel's vector is done
    always_ff @(posedge clk) begin
      if (!rst_n) begin
        oy <= '0;
        ox <= '0;
      end else if (last_fold) begin
        if (int'(ox) == OUT_W_PX - 1) begin
          ox <= '0;
          oy <= int'(oy) == OUT_H - 1 ? '0 : oy + 1'b1;
        end else begin
          ox <= ox + 1'b1;
        end
      end
    end
    always_comb begin
      row_class = axis_class(int'(oy), ROW_BEGIN, ROW_END_START);
      col_class = axis_class(int'(ox), COL_BEGIN, COL_END_START);
    end
  end else begin : g_no_pixel
    assign row_class = 0;
    assign col_class = 0;
  end

  if (COUNT) begin : g_pad
    // lane group g of fold s covers window position (s * SIMD + g * G) / CH, (ky, kx) order
    logic [KH-1:0] row_pad;
    logic [KW-1:0] col_pad;
    logic [NG-1:0] pad0;
    always_comb begin
      // selected by comparing with each class (constants), not by a multiplied index: a
      // synthesizer maps `row_class * KH` to a DSP slice on the pixel counters' path
      row_pad = '0;
      col_pad = '0;
      for (int c = 0; c < ROW_CLASSES; c++) if (row_class == c) row_pad = ROW_PAD[c*KH+:KH];
      for (int c = 0; c < COL_CLASSES; c++) if (col_class == c) col_pad = COL_PAD[c*KW+:KW];
      pad0 = '0;
      for (int s = 0; s < SF; s++) begin
        if (int'(sf) == s) begin
          for (int g = 0; g < NG; g++) pad0[g] = row_pad[(s * SIMD + g * G) / CH / KW] || col_pad[(s * SIMD + g * G) / CH % KW];
        end
      end
    end
    always_ff @(posedge clk) begin
      if (advance) pad1 <= pad0;
    end
  end else begin : g_no_pad
    assign pad1 = '0;
  end

  // ---- 2: reduce ----------------------------------------------------------------------------
  // ---- 1': the weights' second register (W_REG), with the rest of the fold beside it ----------
  if (W_REG) begin : g_weight_register
    always_ff @(posedge clk) begin
      if (!rst_n) begin
        {v_s, last_s} <= '0;
      end else if (advance) begin
        {v_s, last_s} <= {v1, last1};
      end
    end
    always_ff @(posedge clk) begin
      if (advance) begin
        w_s <= w1;
        x_s <= x1;
        pad_s <= pad1;
      end
    end
  end else begin : g_no_weight_register
    assign {w_s, x_s, pad_s, v_s, last_s} = {w1, x1, pad1, v1, last1};
  end

  // Products are taken modulo 2^ACC_BITS, which is exact: every product lies in the accumulator's
  // range. An accumulator narrower than the input (a weight matrix of zeros, whose accumulator is
  // one bit) leaves the input's top bits unread.
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic signed [ACC_BITS-1:0] product(input logic [W_BITS-1:0] wv,
                                                          input logic [IN_BITS-1:0] xv);
  /* verilator lint_on UNUSEDSIGNAL */
    logic signed [ACC_BITS-1:0] xs, ws, sum;
    xs = IN_BIPOLAR ? (xv[0] ? ACC_BITS'(1) : -ACC_BITS'(1)) : IN_SIGNED ? ACC_BITS'(signed'(xv)) : ACC_BITS'(xv);
    ws = ACC_BITS'(signed'(wv));
    if (W_BIPOLAR) return wv[0] ? xs : ~xs;  // -xs - 1: the fold's count of -1 weights is added (NEGS)
    if (MUL_DSP) return ws * xs;
    // two's complement weight: the top bit counts negative; shifts and adds map to LUTs
    sum = wv[W_BITS-1] ? -(xs <<< (W_BITS - 1)) : '0;
    for (int b = 0; b < W_BITS - 1; b++) if (wv[b]) sum += xs <<< b;
    return sum;
  endfunction

  // A fold's lanes are summed in chunks of CHUNK here and the chunks are added in stage 3 with the
  // accumulator: one popcount (or sum of products) over a wide SIMD would be one long path.
  logic signed [ACC_BITS-1:0] partial[PE][NCHX];
  if (XNOR && (!COUNT || NG == 1)) begin : g_xnor
    // with COUNT, in units; a padded fold's G/2 matches replace the count in partial2 (below)
    for (genvar p = 0; p < PE; p++) begin : g_pe
      logic [NCH*ACC_BITS-1:0] counts;
      bcnn_xnor_popcount #(.SIMD(SIMD), .CHUNK(CHUNK), .W(ACC_BITS)) u_popcount (
          .w(w_s[p*SIMD+:SIMD]), .x(x_s), .counts(counts));
      for (genvar c = 0; c < NCH; c++) begin : g_chunk
        assign partial[p][c] = counts[c*ACC_BITS+:ACC_BITS] << (COUNT ? UNIT - 1 : 0);
      end
    end
  end else if (XNOR) begin : g_xnor_count
    always_comb begin
      for (int p = 0; p < PE; p++) begin
        for (int c = 0; c < NCH; c++) partial[p][c] = '0;
        for (int g = 0; g < NG; g++) begin
          partial[p][g/GPC] += pad_s[g] ? ACC_BITS'(UNIT * G / 2) : ACC_BITS'(UNIT * $countones(~(w_s[p*SIMD+g*G+:G] ^ x_s[g*G+:G])));
        end
      end
    end
  end else begin : g_mul
    always_comb begin
      for (int p = 0; p < PE; p++) begin
        for (int c = 0; c < NCH; c++) partial[p][c] = '0;
        for (int s = 0; s < SIMD; s++) begin
          partial[p][s/CHUNK] += product(w_s[(p*SIMD+s)*W_BITS+:W_BITS], x_s[s*IN_BITS+:IN_BITS]);
        end
        if (NEGS) partial[p][NCH] = ACC_BITS'($countones(~w_s[p*SIMD+:SIMD]));
      end
    end
  end

  // A padded fold (PAD_COUNT, one lane group per fold) loads its constant by the registers'
  // synchronous set/reset, which takes priority over their enable as in the FPGA's flip-flops:
  // a multiplexer in front of them would stretch the popcount's path by two LUT levels.
  logic signed [ACC_BITS-1:0] partial2[PE][NCHX];
  wire pad_fold = XNOR && COUNT && NG == 1 && advance && pad_s[0];
  always_ff @(posedge clk) begin
    if (pad_fold) begin
      for (int p = 0; p < PE; p++)
        for (int c = 0; c < NCH; c++) partial2[p][c] <= c == 0 ? ACC_BITS'(UNIT * G / 2) : '0;
    end else if (advance) begin
      partial2 <= partial;
    end
  end

  // Thresholds: word nf holds the PE channels' thresholds, threshold i of pe p at p*NT+i; read
  // in stage 2 (its neuron fold follows the fold down the pipeline) so that they arrive with
  // stage 3's sums.
  logic [TWORD-1:0] thr3;
  if (N_THRES > 0 || (BORDER && !COUNT)) begin : g_thresholds
    // the word of the fold being issued: its pixel's class (BORDER) and its neuron fold
    logic [TA_W-1:0] taddr0, taddr1, taddr2;
    if (BORDER && !COUNT) begin : g_class
      // the class's first word by comparison with each class (constants), as row_pad above
      logic [TA_W-1:0] class_base;
      always_comb begin
        class_base = '0;
        for (int r = 0; r < ROW_CLASSES; r++)
          for (int c = 0; c < COL_CLASSES; c++)
            if (row_class == r && col_class == c) class_base = TA_W'((r * COL_CLASSES + c) * NF);
      end
      assign taddr0 = class_base + TA_W'(nf);
    end else begin : g_no_class
      assign taddr0 = TA_W'(nf);
    end
    logic [TA_W-1:0] taddr3, taddr4;  // one stage later for each of the tree and weight registers
    always_ff @(posedge clk) begin
      if (advance) begin
        taddr1 <= taddr0;
        taddr2 <= taddr1;
        taddr3 <= taddr2;
        taddr4 <= taddr3;
      end
    end
    bcnn_rom #(
        .WIDTH(TWORD),
        .DEPTH(TDEPTH),
        .INIT_FILE(THRESH_FILE),
        .STYLE(THRESH_STYLE)
    ) u_thresholds (
        .clk (clk),
        .en  (advance),
        .addr(TREE && W_REG ? taddr4 : TREE || W_REG ? taddr3 : taddr2),
        .data(thr3)
    );
  end else begin : g_no_thresholds
    assign thr3 = '0;
  end

  // ---- 3': the fold's chunks, summed in a balanced tree ----------------------------------------
  logic signed [ACC_BITS-1:0] fold_sum[PE];
  for (genvar p = 0; p < PE; p++) begin : g_fold_sum
    logic [NCHX*ACC_BITS-1:0] terms;
    always_comb begin
      for (int c = 0; c < NCHX; c++) terms[c*ACC_BITS+:ACC_BITS] = partial2[p][c];
    end
    bcnn_sum_tree #(
        .N(NCHX),
        .W(ACC_BITS)
    ) u_tree (
        .terms(terms),
        .sum  (fold_sum[p])
    );
  end
  // the accumulator's input: the tree's sum registered (TREE) or as it is
  logic signed [ACC_BITS-1:0] fold_in[PE];
  if (TREE) begin : g_tree_stage
    always_ff @(posedge clk) begin
      if (!rst_n) begin
        {v_in, last_in} <= '0;
      end else if (advance) begin
        {v_in, last_in} <= {v2, last2};
      end
    end
    always_ff @(posedge clk) begin
      if (advance) fold_in <= fold_sum;
    end
  end else begin : g_no_tree_stage
    assign {v_in, last_in} = {v2, last2};
    assign fold_in = fold_sum;
  end

  // ---- 3: accumulate ------------------------------------------------------------------------
  logic signed [ACC_BITS-1:0] acc[PE];
  logic signed [ACC_BITS-1:0] sum3[PE];
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      for (int p = 0; p < PE; p++) acc[p] <= '0;
    end else if (advance && v_in) begin
      for (int p = 0; p < PE; p++) begin
        acc[p] <= last_in ? '0 : acc[p] + fold_in[p];
        sum3[p] <= acc[p] + fold_in[p];
      end
    end
  end

  // ---- 4: activate --------------------------------------------------------------------------
  logic [PE*ACC_BITS-1:0] sums3;
  always_comb begin
    for (int p = 0; p < PE; p++) sums3[p*ACC_BITS+:ACC_BITS] = sum3[p];
  end
  bcnn_activate #(
      .PE(PE),
      .ACC_BITS(ACC_BITS),
      .N_THRES(N_THRES),
      .OUT_BITS(OUT_BITS),
      .ACT_VAL(ACT_VAL),
      .CORRECT(BORDER && N_THRES == 0),
      .CORRECT_SCALE(XNOR && COUNT ? 2 / UNIT : XNOR ? 2 : 1),
      .CORRECT_BIAS(XNOR ? -MW : 0)
  ) u_activate (
      .clk(clk),
      .rst_n(rst_n),
      .advance(advance),
      .valid(v3),
      .sums(sums3),
      .thresholds(thr3),
      .out_tdata(out_tdata),
      .out_tvalid(out_tvalid)
  );
endmodule
`default_nettype wire
