"""Outputs a build could not make for lack of vendor tools.

A vendor step that finds its tool missing records it in report/vendor.json and returns; the build
finishes everything else, moves into place, and only then stops with one error naming the tool,
where to get it, what was written and what would have been produced."""
import json
from pathlib import Path

from models.errors import BcnnError

from ..atomic import write_json
from ..finn_env import vendor_tools

VENDOR_REPORT = Path("report") / "vendor.json"
INSTALL_HINT = {
    "vivado": "Vivado (set XILINX_VIVADO or put vivado on PATH; docker/run.sh mounts it from the host)",
    "vitis_hls": "Vitis HLS (set XILINX_HLS or put vitis_hls on PATH)",
    "vitis": "Vitis with the Alveo platform (set XILINX_VITIS or put v++ on PATH)",
}


class VendorToolsMissing(BcnnError):
    """The build holds everything that needs no vendor tool; the named outputs still need one."""

    def __init__(self, message: str, build_dir: Path):
        super().__init__(message)
        self.build_dir = Path(build_dir)


def tools_missing(*tools: str) -> list:
    found = vendor_tools()
    return [t for t in tools if not found.get(t)]


def record(out_dir: Path, output: str, tools: list, written: list, would_produce: list) -> None:
    path = Path(out_dir) / VENDOR_REPORT
    report = json.loads(path.read_text()) if path.is_file() else {"pending": []}
    report["pending"].append({"output": output, "missing_tools": tools, "written": written,
                              "would_produce": would_produce})
    write_json(path, report)


def raise_if_pending(build_dir: Path) -> None:
    path = Path(build_dir) / VENDOR_REPORT
    if not path.is_file():
        return
    pending = json.loads(path.read_text())["pending"]
    if not pending:
        return
    tools = sorted({t for p in pending for t in p["missing_tools"]})
    written = sorted({w for p in pending for w in p["written"]})
    would = [f"{p['output']} ({', '.join(p['would_produce'])})" for p in pending]
    raise VendorToolsMissing(
        f"{build_dir}: needs {'; '.join(INSTALL_HINT[t] for t in tools)}. Written without vendor tools: "
        f"{', '.join(written)}. Not produced: {'; '.join(would)}. Install the tool, or run the same "
        f"command through docker/run.sh, and rerun it.", build_dir)
