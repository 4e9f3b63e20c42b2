"""The timing gate: worst setup (WNS) and hold (WHS) slack of the implemented design, written to
<shell dir>/output/timing.json. Negative slack fails the bitfile output; the bitstream stays
where it was written, for inspection, and is not deployed."""
import json
import re
from pathlib import Path

from ..atomic import write_json

TIMING_JSON = {"zynq": Path("vivado") / "output" / "timing.json", "alveo": Path("vitis") / "output" / "timing.json"}


def summary_slacks(report: str) -> tuple:
    """(WNS, WHS) in ns from the "Design Timing Summary" table of Vivado's report_timing_summary:
    its header's columns are separated by two or more spaces ("TNS Failing Endpoints" is one)."""
    lines = report.splitlines()
    for i, line in enumerate(lines):
        columns = re.split(r"\s{2,}", line.strip())
        if "WNS(ns)" in columns and "WHS(ns)" in columns:
            values = next(v.split() for v in lines[i + 1:] if v.strip() and not set(v.strip()) <= set("- "))
            return float(values[columns.index("WNS(ns)")]), float(values[columns.index("WHS(ns)")])
    raise ValueError("no Design Timing Summary table (WNS(ns) ... WHS(ns)) in the report")


def write_timing(out_dir: Path, wns: float, whs: float, report: str) -> dict:
    timing = {"wns_ns": wns, "whs_ns": whs, "met": wns >= 0 and whs >= 0, "report": report}
    write_json(Path(out_dir) / "timing.json", timing)
    return timing


def load_timing(build_dir: Path, shell: str) -> dict | None:
    path = Path(build_dir) / TIMING_JSON[shell]
    return json.loads(path.read_text()) if path.is_file() else None
