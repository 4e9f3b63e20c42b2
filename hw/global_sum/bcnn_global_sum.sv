`default_nettype none
// Global sum pool: per frame, the sum over PIXELS pixels of every channel (DGRL's squeeze),
// FOLDS beats of PE lanes per pixel in, FOLDS beats of the sums out. The partial sums of one
// pixel's beats live in a small memory indexed by the fold; the last pixel's beat adds its input
// straight into the output register instead of writing back, so a frame takes PIXELS * FOLDS
// input beats and no extra cycles. Lanes sign-extend when IN_SIGNED; IN_BIPOLAR lanes are +-1 codes.
module bcnn_global_sum #(
    parameter int PE = 2,
    parameter int IN_BITS = 8,
    parameter int OUT_BITS = 16,
    parameter bit IN_SIGNED = 1,
    parameter bit IN_BIPOLAR = 0,  // 1-bit lanes meaning +-1 (code 1 = +1)
    parameter int FOLDS = 4,
    parameter int PIXELS = 9
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
  localparam int FOLD_BITS = FOLDS > 1 ? $clog2(FOLDS) : 1;
  localparam int PIXEL_BITS = PIXELS > 1 ? $clog2(PIXELS) : 1;

  logic [FOLD_BITS-1:0] fold;
  logic [PIXEL_BITS-1:0] pixel;
  logic [PE*OUT_BITS-1:0] partial[FOLDS];

  wire first_pixel = pixel == '0;
  wire last_pixel = pixel == PIXEL_BITS'(PIXELS - 1);
  assign in_tready = !last_pixel || !out_tvalid || out_tready;
  wire take = in_tvalid && in_tready;

  logic [PE*OUT_BITS-1:0] sum;
  always_comb begin
    for (int i = 0; i < PE; i++) begin
      logic [IN_BITS-1:0] x;
      logic [OUT_BITS-1:0] kept;
      x = in_tdata[i*IN_BITS+:IN_BITS];
      kept = first_pixel ? '0 : partial[fold][i*OUT_BITS+:OUT_BITS];
      sum[i*OUT_BITS+:OUT_BITS] = kept + (IN_BIPOLAR ? (x[0] ? OUT_BITS'(1) : -OUT_BITS'(1))
                                          : IN_SIGNED ? OUT_BITS'($signed(x)) : OUT_BITS'(x));
    end
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      fold <= '0;
      pixel <= '0;
      out_tvalid <= 1'b0;
    end else begin
      if (out_tready) out_tvalid <= 1'b0;
      if (take) begin
        if (last_pixel) out_tvalid <= 1'b1;
        if (fold == FOLD_BITS'(FOLDS - 1)) begin
          fold <= '0;
          pixel <= last_pixel ? '0 : pixel + 1'b1;
        end else begin
          fold <= fold + 1'b1;
        end
      end
    end
  end
  always_ff @(posedge clk) begin
    if (take && !last_pixel) partial[fold] <= sum;
    if (take && last_pixel) out_tdata <= sum;
  end
endmodule
`default_nettype wire
