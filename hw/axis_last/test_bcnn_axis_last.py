"""bcnn_axis_last: data unchanged and TLAST on exactly every BEATS-th beat, under random stalls,
at one beat per cycle without them."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root

# The harness reads one data port; this test top appends TLAST above the data bits.
TEST_TOP = """`default_nettype none
module axis_last_tb #(parameter int WIDTH = 8, parameter int BEATS = 4) (
  input wire logic clk, input wire logic rst_n,
  input wire logic [WIDTH-1:0] in_tdata, input wire logic in_tvalid, output logic in_tready,
  output logic [WIDTH:0] out_tdata, output logic out_tvalid, input wire logic out_tready
);
  logic last;
  logic [WIDTH-1:0] data;
  bcnn_axis_last #(.WIDTH(WIDTH), .BEATS(BEATS)) dut (
    .clk, .rst_n, .in_tdata, .in_tvalid, .in_tready,
    .out_tdata(data), .out_tvalid, .out_tready, .out_tlast(last));
  assign out_tdata = {last, data};
endmodule
`default_nettype wire
"""


@pytest.mark.parametrize("width, beats", [(8, 1), (13, 3), (40, 7)])
@pytest.mark.parametrize("stalls", [(100, 100), (55, 35)])
def test_tlast_marks_every_packet_end(width, beats, stalls, tmp_path):
    tb = tmp_path / "axis_last_tb.sv"
    tb.write_text(TEST_TOP)
    binary = vl.build([source_root() / "axis_last" / "bcnn_axis_last.sv", tb], "axis_last_tb",
                      {"WIDTH": width, "BEATS": beats})
    rng = np.random.default_rng(width + beats)
    data = rng.integers(0, 2, (6 * beats, width))
    result = vl.run(binary, tmp_path, vl.pack(data, 1), width + 1, len(data), *stalls, seed=5)
    got = vl.unpack(result.out_words, 1, width + 1, signed=False)
    np.testing.assert_array_equal(got[:, :width], data)
    expected_last = (np.arange(len(data)) % beats) == beats - 1
    np.testing.assert_array_equal(got[:, width].astype(bool), expected_last)
    if stalls == (100, 100):  # a register slice at full rate: one beat every cycle
        assert set(np.diff(result.out_cycles.astype(np.int64))) == {1}
