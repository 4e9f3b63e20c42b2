`default_nettype none
// The sum of N terms of W bits (modulo 2^W, so signed and unsigned alike) as a balanced tree of
// adders, pairs added level by level: ceil(log2 N) adders deep where a running sum is N - 1 (the
// popcount chunks of bcnn_mvau and bcnn_frac_mvau: 9 in series with an accumulator were a
// 3.81 ns path on xcup, 2.48 ns as a tree). Combinational: its parent registers around it.
module bcnn_sum_tree #(
    parameter int N = 4,
    parameter int W = 8
) (
    input  wire logic [N*W-1:0] terms,  // term i at [i*W +: W]
    output logic      [  W-1:0] sum
);
  logic [W-1:0] level[N];
  always_comb begin
    for (int i = 0; i < N; i++) level[i] = terms[i*W+:W];
    // in place: entry i takes 2i and 2i+1, which no earlier entry of this level has overwritten
    for (int width = N; width > 1; width = (width + 1) / 2) begin
      for (int i = 0; i < width / 2; i++) level[i] = level[2*i] + level[2*i+1];
      if (width % 2 == 1) level[width/2] = level[width-1];
    end
    sum = level[0];
  end
endmodule
`default_nettype wire
