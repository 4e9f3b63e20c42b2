`default_nettype none
// Channel repeat (a SoFAr stage's widening shortcut: the identity onto R times the channels):
// every pixel's CHANNELS elements, streamed SIMD per beat (FOLDS = CHANNELS/SIMD beats), leave
// REPEATS times in a row: the first copy passes through as it arrives (and is kept), the others
// are replayed from the kept beats. One registered output stage.
module bcnn_repeat #(
    parameter int SIMD = 2,
    parameter int BITS = 8,
    parameter int FOLDS = 4,
    parameter int REPEATS = 2
) (
    input  wire logic                 clk,
    input  wire logic                 rst_n,
    input  wire logic [SIMD*BITS-1:0] in_tdata,
    input  wire logic                 in_tvalid,
    output logic                      in_tready,
    output logic      [SIMD*BITS-1:0] out_tdata,
    output logic                      out_tvalid,
    input  wire logic                 out_tready
);
  localparam int F_W = FOLDS > 1 ? $clog2(FOLDS) : 1;
  localparam int R_W = REPEATS > 1 ? $clog2(REPEATS) : 1;

  logic [F_W-1:0] fold;
  logic [R_W-1:0] copy;  // 0: passing the pixel through; > 0: replaying it
  (* ram_style = "distributed" *) logic [SIMD*BITS-1:0] kept[FOLDS];

  wire advance = !out_tvalid || out_tready;
  wire passing = copy == '0;
  assign in_tready = rst_n && passing && advance;
  wire emit = rst_n && advance && (!passing || in_tvalid);
  wire last_fold = int'(fold) == FOLDS - 1;

  always_ff @(posedge clk) begin
    if (emit && passing) kept[fold] <= in_tdata;
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      fold <= '0;
      copy <= '0;
      out_tvalid <= 1'b0;
    end else if (advance) begin
      out_tvalid <= emit;
      if (emit) begin
        out_tdata <= passing ? in_tdata : kept[fold];
        fold <= last_fold ? '0 : fold + 1'b1;
        if (last_fold) copy <= int'(copy) == REPEATS - 1 ? '0 : copy + 1'b1;
      end
    end
  end
endmodule
`default_nettype wire
