`default_nettype none
// Stream join by concatenation along channels (a dense block's `cat`): for every pixel, the
// FOLDS[0] beats of input 0, then the FOLDS[1] beats of input 1, and so on. Input i is bits
// [i*WIDTH +: WIDTH] of in_tdata and bit i of in_tvalid/in_tready; FOLDS packs each input's beats
// per pixel in 16 bits (input 0 lowest). Only the input whose turn it is sees ready, so the others
// wait without loss; the output is a register, so no data path crosses the module. With
// BIPOLAR_IN, every input bit is a +-1 code and leaves as a 2-bit signed value (FINN+ types the
// concatenation of +-1 streams INT2): 1 -> 01 (+1), 0 -> 11 (-1).
module bcnn_concat #(
    parameter int WIDTH = 8,
    parameter int INPUTS = 2,
    // an override is a literal as wide as its value (hw.sv_literal), not as the packed vector
    /* verilator lint_off WIDTHEXPAND */
    /* verilator lint_off WIDTHTRUNC */
    parameter logic [INPUTS*16-1:0] FOLDS = {16'd1, 16'd1},
    /* verilator lint_on WIDTHTRUNC */
    /* verilator lint_on WIDTHEXPAND */
    parameter bit BIPOLAR_IN = 1'b0,
    localparam int OUT_WIDTH = BIPOLAR_IN ? 2 * WIDTH : WIDTH
) (
    input  wire logic                      clk,
    input  wire logic                      rst_n,
    input  wire logic [INPUTS*WIDTH-1:0]   in_tdata,
    input  wire logic [      INPUTS-1:0]   in_tvalid,
    output logic      [      INPUTS-1:0]   in_tready,
    output logic      [   OUT_WIDTH-1:0]   out_tdata,
    output logic                           out_tvalid,
    input  wire logic                      out_tready
);
  localparam int SEL_BITS = INPUTS > 1 ? $clog2(INPUTS) : 1;
  function automatic int most_folds();
    int most = 1;
    for (int i = 0; i < INPUTS; i++) most = int'(FOLDS[16*i+:16]) > most ? int'(FOLDS[16*i+:16]) : most;
    return most;
  endfunction
  localparam int BEAT_BITS = most_folds() > 1 ? $clog2(most_folds()) : 1;

  logic [SEL_BITS-1:0] sel;  // whose turn it is
  logic [BEAT_BITS-1:0] beat;  // beats of the current input passed on for this pixel

  wire advance = !out_tvalid || out_tready;
  wire take = advance && in_tvalid[sel];
  wire [15:0] fold = FOLDS[16*sel+:16];
  wire last = 16'(beat) == fold - 16'd1;
  always_comb begin
    in_tready = '0;
    in_tready[sel] = advance;
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      sel <= '0;
      beat <= '0;
      out_tvalid <= 1'b0;
    end else begin
      if (advance) out_tvalid <= in_tvalid[sel];
      if (take) begin
        if (last) begin
          beat <= '0;
          sel <= sel == SEL_BITS'(INPUTS - 1) ? '0 : sel + 1'b1;
        end else begin
          beat <= beat + 1'b1;
        end
      end
    end
  end
  if (BIPOLAR_IN) begin : g_widen
    logic [OUT_WIDTH-1:0] wide;
    always_comb begin
      for (int i = 0; i < WIDTH; i++) wide[2*i+:2] = in_tdata[WIDTH*sel+i] ? 2'b01 : 2'b11;
    end
    always_ff @(posedge clk) begin
      if (take) out_tdata <= wide;
    end
  end else begin : g_plain
    always_ff @(posedge clk) begin
      if (take) out_tdata <= in_tdata[WIDTH*sel+:WIDTH];
    end
  end
endmodule
`default_nettype wire
