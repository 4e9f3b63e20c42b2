"""The accelerator IP as Vivado gets it (ip/bcnn_accel.v around rtl/), simulated in Verilator on
the bytes a DMA moves: what the vendor-tier and board-driver tests drive."""
import json
import shutil
from pathlib import Path

import numpy as np

from build_flows.sim import verilator as vl
from build_flows.sim.simulate import THIRD_PARTY_LINT

# The harness drives one in/out stream named in_*/out_*; this top renames the IP's ports and puts
# TLAST above the output data.
ACCEL_TB = """`default_nettype none
module accel_tb (
  input wire logic clk, input wire logic rst_n,
  input wire logic [{in_msb}:0] in_tdata, input wire logic in_tvalid, output logic in_tready,
  output logic [{out_bits}:0] out_tdata, output logic out_tvalid, input wire logic out_tready
);
  bcnn_accel dut (.ap_clk(clk), .ap_rst_n(rst_n),
    .s_axis_0_tdata(in_tdata), .s_axis_0_tvalid(in_tvalid), .s_axis_0_tready(in_tready),
    .m_axis_0_tdata(out_tdata[{out_msb}:0]), .m_axis_0_tvalid(out_tvalid), .m_axis_0_tready(out_tready),
    .m_axis_0_tlast(out_tdata[{out_bits}]));
endmodule
`default_nettype wire
"""


def run_ip(build: Path, workdir: Path, in_bytes: np.ndarray, out_beats: int, stalls=(100, 100)) -> tuple:
    """(beats, bus bytes) uint8 into s_axis_0 -> (TLAST per output beat, (out_beats, bus bytes) uint8)."""
    settings = json.loads((build / "deploy" / "settings.json").read_text())
    i, o = settings["input"], settings["output"]
    info = json.loads((build / "rtl" / "stitch.json").read_text())
    workdir.mkdir(parents=True, exist_ok=True)
    for name in info["memory_files"]:  # read at elaboration, from the working directory
        shutil.copy(build / "rtl" / name, workdir / name)
    tb = workdir / "accel_tb.sv"
    tb.write_text(ACCEL_TB.format(in_msb=i["bus_bits"] - 1, out_bits=o["bus_bits"], out_msb=o["bus_bits"] - 1))
    binary = vl.build([build / "ip" / "bcnn_accel.v", build / "rtl" / "bcnn_axis_last.sv",
                       *(build / "rtl" / s for s in info["sources"]), tb], "accel_tb", {}, lint_flags=THIRD_PARTY_LINT)
    in_bytes = np.asarray(in_bytes, dtype=np.uint8)
    words = np.pad(in_bytes, ((0, 0), (0, -in_bytes.shape[1] % 4))).view("<u4")
    result = vl.run(binary, workdir, words, o["bus_bits"] + 1, out_beats, *stalls, seed=2)
    raw = vl.unpack(result.out_words, 1, o["bus_bits"] + 1, signed=False)
    return raw[:, -1].astype(bool), np.packbits(raw[:, :-1].astype(np.uint8), axis=1, bitorder="little")
