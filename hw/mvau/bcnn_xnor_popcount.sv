`default_nettype none
// The matches of SIMD binary weights and inputs (XNOR: 1 where they agree), counted in chunks of
// CHUNK lanes: one popcount per chunk, the form synthesis maps to LUT popcount trees and the
// simulator to a machine popcount. A single popcount over a wide SIMD is one long path (144
// lanes: 5.6 ns by the xcup timing proxy, over an Ultra96's 4 ns); the parents (bcnn_mvau,
// bcnn_frac_mvau) register the chunks and add them in bcnn_sum_tree. Combinational.
module bcnn_xnor_popcount #(
    parameter  int SIMD  = 8,
    parameter  int CHUNK = 8,
    parameter  int W     = 8,                        // bits of each count (at least $clog2(CHUNK + 1))
    localparam int NCH   = (SIMD + CHUNK - 1) / CHUNK
) (
    input  wire logic [SIMD-1:0] w,
    input  wire logic [SIMD-1:0] x,
    output logic      [NCH*W-1:0] counts  // chunk c's matches at [c*W +: W]
);
  logic [NCH*CHUNK-1:0] match;  // zero beyond SIMD: a partial last chunk counts its lanes only
  always_comb begin
    match = '0;
    match[SIMD-1:0] = ~(w ^ x);
    for (int c = 0; c < NCH; c++) counts[c*W+:W] = W'($countones(match[c*CHUNK+:CHUNK]));
  end
endmodule
`default_nettype wire
