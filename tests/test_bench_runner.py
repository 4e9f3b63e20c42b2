"""bench/run_all.py, the one command behind `make bench`: it knows every benchmark folder, and a
wrong name is refused before anything runs."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import run_all  # noqa: E402


def test_the_runner_lists_every_benchmark_folder():
    folders = {p.parent.name for p in (ROOT / "bench").glob("*/run.py")}
    assert set(run_all.ORDER) == folders


def test_an_unknown_benchmark_is_refused_before_any_runs(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run_all.py"), "--only", "sim_speed,nosuch"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown benchmark(s) nosuch; valid: sim_speed, flow_time" in result.stderr
    assert "bench/sim_speed" not in result.stderr  # nothing ran
