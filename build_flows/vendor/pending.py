"""Outputs a build could not make: for lack of vendor tools, or because a tool failed.

A vendor step records either in report/vendor.json and returns; the build finishes everything
else, moves into place with the vendor tools' logs (and any bitstream they finished), and only
then stops with one error naming the tool, or the failure and the log that shows it (paths of the
finished build: the move rewrites them)."""
import json
from pathlib import Path

from models.errors import BcnnError

from ..atomic import write_json
from .tools import find_tool, why_missing

VENDOR_REPORT = Path("report") / "vendor.json"
INSTALL_HINT = {
    "vivado": "Vivado (set XILINX_VIVADO or put vivado on PATH; docker/run.sh mounts it from the host)",
    "vitis_hls": "Vitis HLS (set XILINX_HLS or put vitis_hls on PATH)",
    "vitis": "Vitis with the Alveo platform (set XILINX_VITIS or put v++ on PATH)",
}


class VendorOutputsMissing(BcnnError):
    """The build holds everything that needs no vendor tool; the named outputs were not produced."""

    def __init__(self, message: str, build_dir: Path):
        super().__init__(message)
        self.build_dir = Path(build_dir)


class VendorToolsMissing(VendorOutputsMissing):
    """The named outputs need a tool that is not installed."""


class VendorStepFailed(VendorOutputsMissing):
    """A vendor tool ran and failed (or its result failed a check); its logs are kept."""


def tools_missing(*tools: str) -> list:
    return [t for t in tools if find_tool(t) is None]


def _load(out_dir: Path) -> dict:
    path = Path(out_dir) / VENDOR_REPORT
    report = json.loads(path.read_text()) if path.is_file() else {}
    return {"pending": [], "failed": [], **report}


def record(out_dir: Path, output: str, tools: list, written: list, would_produce: list) -> None:
    report = _load(out_dir)
    report["pending"].append({"output": output, "missing_tools": tools, "written": written,
                              "would_produce": would_produce, "why": {t: why_missing(t) for t in tools}})
    write_json(Path(out_dir) / VENDOR_REPORT, report)


def record_failure(out_dir: Path, output: str, reason: str, logs: list) -> None:
    """`reason`: one line (what failed, and how to go on); `logs`: absolute paths of what shows it."""
    report = _load(out_dir)
    report["failed"].append({"output": output, "reason": reason, "logs": [str(p) for p in logs]})
    write_json(Path(out_dir) / VENDOR_REPORT, report)


def failed(out_dir: Path, output: str) -> bool:
    return any(f["output"] == output for f in _load(out_dir)["failed"])


def raise_if_pending(build_dir: Path) -> None:
    path = Path(build_dir) / VENDOR_REPORT
    if not path.is_file():
        return
    report = _load(build_dir)
    if report["failed"]:
        first = report["failed"][0]
        raise VendorStepFailed(f"{build_dir}: output {first['output']} failed: {first['reason']} (logs kept: "
                               f"{', '.join(first['logs'])}; all outputs: {path})", build_dir)
    pending = report["pending"]
    if not pending:
        return
    tools = sorted({t for p in pending for t in p["missing_tools"]})
    why = {t: w for p in pending for t, w in p.get("why", {}).items()}
    why = {t: why.get(t, why_missing(t)) for t in tools}
    written = sorted({w for p in pending for w in p["written"]})
    would = [f"{p['output']} ({', '.join(p['would_produce'])})" for p in pending]
    raise VendorToolsMissing(
        f"{build_dir}: needs {'; '.join(f'{INSTALL_HINT[t]} [here: {why[t]}]' for t in tools)}. Written without vendor tools: "
        f"{', '.join(written)}. Not produced: {'; '.join(would)}. Install the tool, or run the same "
        f"command through docker/run.sh, and rerun it.", build_dir)
