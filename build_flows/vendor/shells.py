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
PROMOTE = "promote_warnings.tcl"  # Synth 8-4445 as an error, sourced before every synthesis
DRE_MAX_BITS = 512  # PG021: the Data Realignment Engine exists for streams up to 512 bits
ADDR_BITS = {"zynq_7000": 32, "zynq_us+": 64}  # the PS's physical address width


def _script(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


def board_part_pattern(board_part: str) -> str:
    """`vendor:board:part0:*`: any installed version of the board's files (the shell takes the newest)."""
    return board_part.rsplit(":", 1)[0] + ":*"


def dma_settings(fmt: dict, ps: str) -> dict:
    """The AXI DMA's widths (PG021): each memory map at least as wide as its stream (32 at least),
    DRE where the stream allows it, the PS's address width."""
    values = {"ADDR_BITS": ADDR_BITS[ps]}
    for side, key in (("input", "IN"), ("output", "OUT")):
        bits = fmt[side]["bus_bits"]
        values.update({f"{key}_BUS_BITS": bits, f"{key}_MM_BITS": max(32, bits),
                       f"{key}_DRE": int(bits <= DRE_MAX_BITS)})
    return values


def write_zynq_shell(build_dir: Path, board: str, clock_ns: float, fmt: dict, jobs: int) -> list:
    b = get_board(board)
    out = Path(build_dir) / "vivado"
    out.mkdir(parents=True, exist_ok=True)
    freq_mhz = f"{1e3 / clock_ns:g}"
    (out / "zynq_shell.tcl").write_text(fill(
        "zynq_shell.tcl", DESIGN=design_name(build_dir), BOARD=b.name, PART=b.part, PS=b.ps,
        BOARD_PART_PATTERN=board_part_pattern(b.board_part), FREQ_MHZ=freq_mhz, VLNV=VLNV, **dma_settings(fmt, b.ps)))
    (out / "implement.tcl").write_text(fill("implement.tcl", DESIGN=design_name(build_dir), FREQ_MHZ=freq_mhz, JOBS=jobs))
    (out / PROMOTE).write_text(fill(PROMOTE))
    _script(out / "build_bitfile.sh", fill("build_bitfile.sh", DESIGN=design_name(build_dir), BOARD=b.name))
    return [f"vivado/{name}" for name in ("zynq_shell.tcl", "implement.tcl", PROMOTE, "build_bitfile.sh")]


def kernel_mhz(clock_ns: float) -> int:
    """v++ --kernel_frequency takes whole MHz: the build's clock rounded down, never faster."""
    return int(1e3 / clock_ns + 1e-9)


def write_alveo_shell(build_dir: Path, board: str, clock_ns: float, fmt: dict) -> list:
    b = get_board(board)
    out = Path(build_dir) / "vitis"
    out.mkdir(parents=True, exist_ok=True)
    mhz = kernel_mhz(clock_ns)
    widths = {"IN_BUS_BITS": fmt["input"]["bus_bits"], "OUT_BUS_BITS": fmt["output"]["bus_bits"]}
    (out / "dma_kernels.cpp").write_text(fill("dma_kernels.cpp", **widths))
    (out / "package_xo.tcl").write_text(fill("package_xo.tcl", PLATFORM=b.platform, **widths))
    (out / "link.cfg").write_text(fill("link.cfg", IN_BANK=f"{b.memory}[0]", OUT_BANK=f"{b.memory}[1]"))
    (out / PROMOTE).write_text(fill(PROMOTE))
    _script(out / "build_xclbin.sh", fill("build_xclbin.sh", DESIGN=design_name(build_dir), PLATFORM=b.platform,
                                          FREQ_MHZ=mhz, FREQ_HZ=mhz * 1_000_000))
    return [f"vitis/{name}" for name in ("dma_kernels.cpp", "package_xo.tcl", "link.cfg", PROMOTE, "build_xclbin.sh")]


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)))
