"""The `ip` output: the stitched accelerator of rtl/ (the design that was simulated and
synthesized) as one Vivado IP, ip/bcnn_accel.v + ip/package_ip.tcl, the same for every board.

The wrapper gives it FINN+'s stitched-IP interface (ap_clk, ap_rst_n, s_axis_0, m_axis_0), widens
the streams to DMA widths and adds the TLAST a DMA needs to end a transfer (hw/axis_last)."""
import json
import shutil
from pathlib import Path

from hw import source_root

from ..atomic import write_json
from ..boards import get_board
from ..config import design_name
from .templates import fill

VENDOR, LIBRARY, VERSION = "bcnn-fpga.org", "bcnn", "1.0"
VLNV = f"{VENDOR}:{LIBRARY}:bcnn_accel:{VERSION}"
TLAST_SOURCE = "bcnn_axis_last.sv"


def write_ip(build_dir: Path, board: str, clock_ns: float, fmt: dict) -> dict:
    """ip/ for the build's rtl/: the wrapper, the packaging script and ip.json (what they assume)."""
    build_dir = Path(build_dir)
    rtl, ip = build_dir / "rtl", build_dir / "ip"
    info = json.loads((rtl / "stitch.json").read_text())
    ip.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(str(source_root())) / "axis_last" / TLAST_SOURCE, rtl / TLAST_SOURCE)
    sources = [TLAST_SOURCE, *(s for s in info["sources"] if s != TLAST_SOURCE)]
    i, o = fmt["input"], fmt["output"]
    out_batch_beats = fmt["batch"] * o["beats_per_frame"]
    pad = o["bus_bits"] - o["stream_bits"]
    (ip / "bcnn_accel.v").write_text(fill(
        "bcnn_accel.v", IN_BITS=i["stream_bits"], IN_PAD=i["bus_bits"], IN_PAD_MSB=i["bus_bits"] - 1,
        IN_BITS_MSB=i["stream_bits"] - 1, OUT_BITS=o["stream_bits"], OUT_BITS_MSB=o["stream_bits"] - 1,
        OUT_PAD=o["bus_bits"], OUT_PAD_MSB=o["bus_bits"] - 1, OUT_BATCH_BEATS=out_batch_beats, BATCH=fmt["batch"],
        OUT_ASSIGN=f"{{{pad}'d0, last_tdata}}" if pad else "last_tdata"))
    (ip / "package_ip.tcl").write_text(fill(
        "package_ip.tcl", VLNV=VLNV, VENDOR=VENDOR, LIBRARY=LIBRARY, VERSION=VERSION, PART=get_board(board).part,
        DESIGN=design_name(build_dir), SOURCES=" ".join(sources), MEMORY_FILES=" ".join(info["memory_files"]),
        OUT_BATCH_BEATS=out_batch_beats, FREQ_HZ=round(1e9 / clock_ns),
        VITIS_KERNEL=int(get_board(board).shell == "alveo")))
    summary = {"vlnv": VLNV, "top": "bcnn_accel", "clock": "ap_clk", "reset": "ap_rst_n (active low)",
               "s_axis_0_bits": i["bus_bits"], "m_axis_0_bits": o["bus_bits"], "tlast_every_beats": out_batch_beats,
               "sources": ["bcnn_accel.v", *sources], "memory_files": info["memory_files"],
               "package": "vivado -mode batch -nojournal -nolog -source ip/package_ip.tcl"}
    write_json(ip / "ip.json", summary)
    return summary
