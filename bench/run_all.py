"""Runs every benchmark, each as its own process with its default arguments, fastest first; each
rewrites its committed results (results.json, results.md, a PNG) in its folder. Writes
bench/run_all.json: per benchmark, its wall time and exit status on this machine.

    .venv/bin/python bench/run_all.py [--only sim_speed,flow_time] [--skip accuracy]

bench/residual, bench/fracbnn and bench/pareto train models (resumed from
~/.cache/bcnn-fpga/runs when trained before); bench/accuracy trains the whole accuracy plan
(hours on 2 cores; its runs resume from runs/bench_accuracy). A benchmark that fails is reported
and the others still run; the exit status is 1 if any failed."""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

HERE = Path(__file__).parent
# fastest first; pareto reads the designs residual and fracbnn built
ORDER = ("sim_speed", "flow_time", "cycles_vs_analytic", "fifo_sizing", "synth", "zero_padding", "folding", "residual",
         "fracbnn", "pareto", "seeds_at_scale", "fuzz", "accuracy")


def main(only: list, skip: list) -> int:
    console = Console(stderr=True)
    unknown = [name for name in only + skip if name not in ORDER]
    if unknown:
        console.print(f"error: unknown benchmark(s) {', '.join(unknown)}; valid: {', '.join(ORDER)}")
        return 2
    chosen = [name for name in ORDER if (not only or name in only) and name not in skip]
    record_path = HERE / "run_all.json"
    record = json.loads(record_path.read_text()) if record_path.is_file() else {}
    record["machine"] = f"{platform.machine()}, {os.cpu_count()} cores"
    failed = []
    for i, name in enumerate(chosen, 1):
        console.rule(f"[{i}/{len(chosen)}] bench/{name}")
        start = time.perf_counter()
        status = subprocess.run([sys.executable, str(HERE / name / "run.py")]).returncode
        seconds = round(time.perf_counter() - start)
        record.setdefault("benchmarks", {})[name] = {"seconds": seconds, "exit_status": status,
                                                     "finished": time.strftime("%Y-%m-%d %H:%M")}
        record_path.write_text(json.dumps(record, indent=2) + "\n")
        console.print(f"bench/{name}: {'ok' if status == 0 else f'FAILED (exit {status})'} in {seconds} s")
        if status != 0:
            failed.append(name)
    if failed:
        console.print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help=f"Comma-separated benchmarks, of: {', '.join(ORDER)}")
    parser.add_argument("--skip", default="", help="Comma-separated benchmarks not to run.")
    args = parser.parse_args()
    sys.exit(main([n for n in args.only.split(",") if n], [n for n in args.skip.split(",") if n]))
