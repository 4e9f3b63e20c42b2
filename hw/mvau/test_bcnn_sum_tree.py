"""bcnn_sum_tree against numpy: random terms of W bits, their sum modulo 2^W, for term counts
that make every shape of tree (one term, odd levels, a power of two)."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root

# The tree between a stream's data and its output, handshake passed through.
WRAPPER = """`default_nettype none
module sum_tree_tb #(parameter int N = 4, parameter int W = 8) (
  input wire logic clk, input wire logic rst_n,
  input wire logic [N*W-1:0] in_tdata, input wire logic in_tvalid, output logic in_tready,
  output logic [W-1:0] out_tdata, output logic out_tvalid, input wire logic out_tready
);
  /* verilator lint_off UNUSEDSIGNAL */
  wire unused = clk ^ rst_n;
  /* verilator lint_on UNUSEDSIGNAL */
  assign out_tvalid = in_tvalid;
  assign in_tready = out_tready;
  bcnn_sum_tree #(.N(N), .W(W)) u_tree (.terms(in_tdata), .sum(out_tdata));
endmodule
`default_nettype wire
"""


@pytest.mark.parametrize("n, w", [(1, 6), (2, 9), (3, 12), (5, 7), (9, 12), (16, 14)])
def test_sum_tree_matches_numpy(n, w, tmp_path):
    (tmp_path / "sum_tree_tb.sv").write_text(WRAPPER)
    binary = vl.build([source_root() / "mvau" / "bcnn_sum_tree.sv", tmp_path / "sum_tree_tb.sv"], "sum_tree_tb",
                      {"N": n, "W": w})
    terms = np.random.default_rng(n * 100 + w).integers(0, 1 << w, (200, n))
    result = vl.run(binary, tmp_path, vl.pack(terms, w), w, len(terms), valid_percent=80, ready_percent=70, seed=n)
    got = vl.unpack(result.out_words, w, 1, signed=False).reshape(-1)
    np.testing.assert_array_equal(got, terms.sum(axis=1) % (1 << w))
