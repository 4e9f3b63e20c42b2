"""The board shells around the accelerator IP: a Zynq block design (PS + AXI DMA, vivado/) or an
Alveo Vitis link (data-mover kernels + the RTL kernel, vitis/), with the script that runs each."""
import os
from pathlib import Path

from ..boards import get_board
from ..config import design_name
from .ip_package import VLNV
from .templates import fill

ZYNQ_OUTPUTS = ["vivado/output/bcnn.bit", "vivado/output/bcnn.hwh"]
ALVEO_OUTPUTS = ["vitis/output/bcnn.xclbin"]


def _script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def write_zynq_shell(build_dir: Path, board: str, clock_ns: float, fmt: dict, jobs: int) -> list:
    b = get_board(board)
    out = Path(build_dir) / "vivado"
    out.mkdir(parents=True, exist_ok=True)
    (out / "zynq_shell.tcl").write_text(fill(
        "zynq_shell.tcl", DESIGN=design_name(build_dir), BOARD=b.name, PART=b.part, PS=b.ps, BOARD_PART=b.board_part,
        FREQ_MHZ=f"{1e3 / clock_ns:g}", VLNV=VLNV, IN_BUS_BITS=fmt["input"]["bus_bits"],
        OUT_BUS_BITS=fmt["output"]["bus_bits"], JOBS=jobs))
    _script(out / "build_bitfile.sh", fill("build_bitfile.sh", DESIGN=design_name(build_dir), BOARD=b.name))
    return ["vivado/zynq_shell.tcl", "vivado/build_bitfile.sh"]


def write_alveo_shell(build_dir: Path, board: str, clock_ns: float, fmt: dict) -> list:
    b = get_board(board)
    out = Path(build_dir) / "vitis"
    out.mkdir(parents=True, exist_ok=True)
    freq_mhz = f"{1e3 / clock_ns:g}"
    (out / "dma_kernels.cpp").write_text(fill("dma_kernels.cpp", IN_BUS_BITS=fmt["input"]["bus_bits"],
                                              OUT_BUS_BITS=fmt["output"]["bus_bits"]))
    (out / "package_xo.tcl").write_text(fill("package_xo.tcl", PLATFORM=b.platform))
    (out / "link.cfg").write_text(fill("link.cfg"))
    _script(out / "build_xclbin.sh", fill("build_xclbin.sh", DESIGN=design_name(build_dir), PLATFORM=b.platform,
                                          FREQ_MHZ=freq_mhz, FREQ_HZ=round(1e9 / clock_ns)))
    return [f"vitis/{name}" for name in ("dma_kernels.cpp", "package_xo.tcl", "link.cfg", "build_xclbin.sh")]


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)))
