"""bcnn_axis_check: silent on a stream that keeps the AXI-Stream rules under random stalls, and
stops the simulation, naming the stream, when the data changes or valid drops before ready."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root

# A pass-through whose output breaks a rule on purpose (MODE 1: data changes while stalled,
# MODE 2: valid drops while stalled), with the checker on that output.
WRAPPER = """`default_nettype none
module check_tb #(parameter int MODE = 0) (
  input wire logic clk, input wire logic rst_n,
  input wire logic [7:0] in_tdata, input wire logic in_tvalid, output logic in_tready,
  output logic [7:0] out_tdata, output logic out_tvalid, input wire logic out_tready
);
  logic [7:0] cycle;
  logic waited;
  always_ff @(posedge clk) begin
    cycle <= rst_n ? cycle + 1'b1 : '0;
    waited <= rst_n && out_tvalid && !out_tready;
  end
  assign out_tdata = MODE == 1 ? in_tdata ^ cycle : in_tdata;
  assign out_tvalid = in_tvalid && !(MODE == 2 && waited);
  assign in_tready = out_tready && out_tvalid;
  bcnn_axis_check #(.WIDTH(8), .NAME("tb output")) u_check (
    .clk(clk), .rst_n(rst_n), .tdata(out_tdata), .tvalid(out_tvalid), .tready(out_tready));
endmodule
`default_nettype wire
"""


@pytest.mark.parametrize("mode, message", [(0, None), (1, "tb output: data changed while valid was up and ready low"),
                                           (2, "tb output: valid dropped before ready took the beat")])
def test_check_passes_good_streams_and_names_a_broken_one(mode, message, tmp_path):
    (tmp_path / "check_tb.sv").write_text(WRAPPER)
    binary = vl.build([source_root() / "check" / "bcnn_axis_check.sv", tmp_path / "check_tb.sv"], "check_tb",
                      {"MODE": mode})
    data = np.random.default_rng(4).integers(0, 256, (300, 1))
    if message is None:
        result = vl.run(binary, tmp_path, vl.pack(data, 8), 8, len(data), 60, 40, seed=2)
        np.testing.assert_array_equal(vl.unpack(result.out_words, 8, 1, signed=False), data)
    else:
        with pytest.raises(vl.AssertionFailed, match=message):
            vl.run(binary, tmp_path, vl.pack(data, 8), 8, len(data), 60, 40, seed=2)
