"""bcnn_xnor_popcount against numpy: random weights and inputs, the agreeing lanes counted per
chunk, for chunk counts that divide SIMD, leave a partial last chunk, or are one lane wide."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root

# Weights and inputs side by side in one stream word (weights low), handshake passed through.
WRAPPER = """`default_nettype none
module xnor_popcount_tb #(parameter int SIMD = 8, parameter int CHUNK = 8, parameter int W = 8,
                          localparam int NCH = (SIMD + CHUNK - 1) / CHUNK) (
  input wire logic clk, input wire logic rst_n,
  input wire logic [2*SIMD-1:0] in_tdata, input wire logic in_tvalid, output logic in_tready,
  output logic [NCH*W-1:0] out_tdata, output logic out_tvalid, input wire logic out_tready
);
  /* verilator lint_off UNUSEDSIGNAL */
  wire unused = clk ^ rst_n;
  /* verilator lint_on UNUSEDSIGNAL */
  assign out_tvalid = in_tvalid;
  assign in_tready = out_tready;
  bcnn_xnor_popcount #(.SIMD(SIMD), .CHUNK(CHUNK), .W(W)) u_pop (
    .w(in_tdata[SIMD-1:0]), .x(in_tdata[2*SIMD-1:SIMD]), .counts(out_tdata));
endmodule
`default_nettype wire
"""


@pytest.mark.parametrize("simd, chunk", [(8, 8), (1, 1), (27, 8), (32, 8), (144, 16), (7, 3)])
def test_xnor_popcount_matches_numpy(simd, chunk, tmp_path):
    (tmp_path / "xnor_popcount_tb.sv").write_text(WRAPPER)
    width = max(1, chunk.bit_length())
    binary = vl.build([source_root() / "mvau" / "bcnn_xnor_popcount.sv", tmp_path / "xnor_popcount_tb.sv"],
                      "xnor_popcount_tb", {"SIMD": simd, "CHUNK": chunk, "W": width})
    rng = np.random.default_rng(simd * 100 + chunk)
    w, x = rng.integers(0, 2, (200, simd)), rng.integers(0, 2, (200, simd))
    chunks = -(-simd // chunk)
    result = vl.run(binary, tmp_path, vl.pack(np.concatenate([w, x], axis=1), 1), chunks * width, len(w),
                    valid_percent=80, ready_percent=70, seed=simd)
    got = vl.unpack(result.out_words, width, chunks, signed=False).reshape(len(w), chunks)
    match = np.zeros((len(w), chunks * chunk), dtype=np.int64)
    match[:, :simd] = w == x
    np.testing.assert_array_equal(got, match.reshape(len(w), chunks, chunk).sum(axis=2))
