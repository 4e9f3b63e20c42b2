"""`bcnn doctor`: what this machine (or the container docker/run.sh starts) has of the vendor
tier, and what it lacks for a board's bitstream. Each check says what it found, or what is
missing and how to get it. Exit status: 0 when everything the board needs is there, 1 when
something is missing (the lines marked MISSING), 2 for a bad option (as every bcnn command)."""
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from finn.interface.settings import FINNSettings

from ..boards import get_board
from .board_files import find_board, resolve_board_files
from .tools import find_tool, why_missing

TESTED_VIVADO = "2024.2"  # the version the first-contact checklist (docs/vendor.md) is written for
XRT_ROOT = Path("/opt/xilinx/xrt")
PLATFORM_DIRS = [Path("/opt/xilinx/platforms")]


@dataclass
class Check:
    name: str
    needed: bool  # for this board's bitfile output
    found: bool
    detail: str

    @property
    def status(self) -> str:
        return "ok" if self.found else ("MISSING" if self.needed else "absent")


def tool_version(exe: Path, flag: str = "-version") -> str | None:
    """The release (e.g. 2024.2) a Xilinx tool reports about itself."""
    try:
        proc = subprocess.run([str(exe), flag], capture_output=True, text=True, timeout=180)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"v(\d{4}\.\d)", proc.stdout + proc.stderr)
    return found.group(1) if found else None


def check_tool(name: str, label: str, needed: bool, hint: str, flag: str = "-version") -> Check:
    exe = find_tool(name)
    if exe is None:
        return Check(label, needed, False, f"{why_missing(name)}; {hint}")
    version = tool_version(exe, flag)
    note = "" if version == TESTED_VIVADO else f" (the checklist is written for {TESTED_VIVADO})"
    return Check(label, needed, True, f"{version or 'unknown version'} at {exe}{note}")


def board_file_dirs(extra: Path | None) -> list:
    """Where Vivado finds board files: the given folder, the installation's catalog, the board
    store Vivado downloads into ~/.Xilinx."""
    dirs = [extra] if extra else []
    vivado = find_tool("vivado")
    if vivado is not None:
        root = vivado.parent.parent
        dirs += [root / "data" / "boards" / "board_files", root / "data" / "xhub" / "boards"]
    dirs.append(Path.home() / ".Xilinx")
    return [d for d in dirs if d.is_dir()]


def check_board_files(board, board_files) -> Check:
    if board.shell != "zynq":
        return Check("board files", False, True, f"{board.name} is an Alveo card: no board files (its Vitis platform instead)")
    given = resolve_board_files(board_files, board) if board_files else None
    for folder in board_file_dirs(given):
        versions = find_board(folder, board.board_part)
        if versions:
            return Check("board files", True, True, f"{board.board_part.rsplit(':', 1)[0]} {', '.join(versions)} in {folder}")
    vendor = board.board_part.split(":")[0]
    if vendor == "xilinx.com":
        return Check("board files", True, find_tool("vivado") is not None,
                     f"{board.name} is an AMD board: Vivado's own board catalog (or its board store) provides it")
    return Check("board files", True, False, f"no board.xml of {board.board_part.rsplit(':', 1)[0]} found: get the "
                 f"{board.name} folder of Xilinx/XilinxBoardStore (boards/) and pass it with --board-files DIR")


def check_licence() -> Check:
    set_vars = [f"{v}={os.environ[v]}" for v in ("XILINXD_LICENSE_FILE", "LM_LICENSE_FILE") if os.environ.get(v)]
    return Check("licence", False, bool(set_vars), ", ".join(set_vars) if set_vars else
                 "XILINXD_LICENSE_FILE and LM_LICENSE_FILE unset: enough for the devices of Vivado's free edition")


def check_xrt(board) -> list:
    if board.shell != "alveo":
        return []
    root = Path(os.environ.get("XILINX_XRT") or XRT_ROOT)
    xrt = Check("XRT", True, (root / "bin" / "xbutil").is_file() or (root / "bin" / "xrt-smi").is_file(),
                f"{root}" if root.is_dir() else f"no XRT in {root}: install XRT (and source /opt/xilinx/xrt/setup.sh)")
    dirs = [Path(d) for d in os.environ.get("PLATFORM_REPO_PATHS", "").split(":") if d] + PLATFORM_DIRS
    xpfm = [d / board.platform / f"{board.platform}.xpfm" for d in dirs]
    found = next((p for p in xpfm if p.is_file()), None)
    platform = Check("platform", True, found is not None, str(found) if found else
                     f"{board.platform}.xpfm in none of {', '.join(str(d) for d in dirs)}: install the platform's "
                     "development package (or set PLATFORM_REPO_PATHS)")
    return [xrt, platform]


def check_docker() -> Check:
    if Path("/.dockerenv").exists():
        return Check("docker", False, True, "running inside a container (docker/run.sh)")
    exe = shutil.which("docker")
    return Check("docker", False, exe is not None, f"{exe}: docker/run.sh can run the tier in bcnn's image" if exe else
                 "docker not on PATH: run the vendor tier with the tools installed here, or install Docker for docker/run.sh")


def check_finn_deps() -> Check:
    # the user's FINN+ settings (FINN_SETTINGS, ~/.finn), as a build reads them; nothing is written
    settings = FINNSettings.init(flow_config=Path.cwd() / "flow.yaml", auto_set_environment_vars=False)
    hlslib = settings.finn_deps / "finn-hlslib"
    return Check("finn-hlslib", False, hlslib.is_dir(), str(hlslib) if hlslib.is_dir() else
                 f"{hlslib} absent: needed for --backend hls only (`finn deps update`, with Vivado installed)")


def run_checks(board_name: str, board_files=None) -> list:
    board = get_board(board_name)
    alveo = board.shell == "alveo"
    return [check_tool("vivado", "vivado", True, f"install Vivado {TESTED_VIVADO} and source its settings64.sh, "
                                                  "or run through docker/run.sh --xilinx DIR --xilinx-version VER"),
            check_tool("vitis", "v++", alveo, "Vitis (for Alveo xclbins)"),
            check_tool("vitis_hls", "vitis_hls", False, "Vitis HLS (for --backend hls only)"),
            check_board_files(board, board_files), *check_xrt(board), check_licence(), check_docker(), check_finn_deps()]


def report_lines(board_name: str, checks: list) -> list:
    board = get_board(board_name)
    lines = [f"bcnn doctor: the vendor tier for {board.name} ({board.shell} shell, {board.part})"]
    lines += [f"  {c.status:8s} {c.name:12s} {c.detail}" for c in checks]
    missing = [c.name for c in checks if c.needed and not c.found]
    lines.append(f"ready for --outputs bitfile on {board.name}" if not missing else
                 f"missing for --outputs bitfile on {board.name}: {', '.join(missing)}")
    return lines
