"""Benchmark: flow time and peak memory from a QONNX file to a simulated result, per model, cold
and cached.

Each model (random init, per-channel norms) is exported once; then `bcnn build MODEL --outputs
estimates,rtl,sim` runs as a subprocess twice: cold (a fresh HOME, so no Verilator binary is cached)
and cached (the same HOME again, a new build directory: the Verilator binary of the same RTL is
reused). Peak memory is the largest summed resident set of the whole process tree (bcnn, and the
Verilator and compiler processes it starts), sampled every 20 ms with psutil. Writes results.json,
results.md and flow_time.png beside this file.

    .venv/bin/python bench/flow_time/run.py [--models tfc_w1a1,cnv_w1a1]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import psutil  # noqa: E402

from models.export import export_model  # noqa: E402
from models.random_init import random_model  # noqa: E402

HERE = Path(__file__).parent
BCNN = Path(sys.executable).parent / "bcnn"
# (model, method, folding): the finn-examples foldings where they ship, else the default target
MODELS = [("tfc_w1a1", "ste", "tfc_w1a1"), ("sfc_w1a1", "ste", None), ("lfc_w1a1", "ste", None),
          ("cnv_w1a1", "ste", "cnv_w1a1"), ("resnet_small", "bireal", None)]


def measure(cmd: list, env: dict) -> tuple[float, int]:
    """Run cmd; -> (wall seconds, peak summed RSS in bytes of its process tree)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:  # a process ended between listing and reading it
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-500:]}")
    return seconds, peak


def main(models: list) -> list:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, method, folding in [m for m in MODELS if not models or m[0] in models]:
            onnx = tmp / f"{name}.onnx"
            export_model(random_model(name, method=method), onnx)
            home = tmp / f"home-{name}"
            home.mkdir()
            env = {**os.environ, "HOME": str(home)}
            row = {"model": name, "method": method, "folding": folding or "default target (1000 FPS)"}
            for run in ("cold", "cached"):
                cmd = [str(BCNN), "build", str(onnx), "--out", str(tmp / f"{name}-{run}"),
                       "--outputs", "estimates,rtl,sim", *(["--folding", folding] if folding else [])]
                seconds, peak = measure(cmd, env)
                row[f"{run}_seconds"], row[f"{run}_peak_mib"] = round(seconds, 1), round(peak / 2**20)
            report = json.loads((tmp / f"{name}-cached" / "sim" / "report.json").read_text())
            row.update(bit_exact=report["bit_exact"], cycles_per_frame=report["cycles_per_frame"],
                       verilator_build_seconds_cached=report["verilator_build_seconds"])
            print(json.dumps(row), flush=True)
            rows.append(row)
    # a run of some models keeps the other models' rows
    path = HERE / "results.json"
    kept = [r for r in json.loads(path.read_text())["rows"] if r["model"] not in {r["model"] for r in rows}] \
        if path.is_file() else []
    order = [m[0] for m in MODELS]
    rows = sorted(kept + rows, key=lambda r: order.index(r["model"]))
    result = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "rows": rows}
    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    write_report(result)
    return rows


def write_report(result: dict) -> None:
    rows = result["rows"]
    lines = [f"`bcnn build MODEL --outputs estimates,rtl,sim` ({result['machine']}): QONNX to RTL simulated on "
             "every stream.", "",
             "| model | method | folding | cold (s) | cached (s) | cold peak (MiB) | cached peak (MiB) | bit-exact |",
             "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['model']} | {r['method']} | {r['folding']} | {r['cold_seconds']} | {r['cached_seconds']} | "
              f"{r['cold_peak_mib']:,} | {r['cached_peak_mib']:,} | {r['bit_exact']} |" for r in rows]
    lines += ["", "Cold: no cached Verilator binary (fresh HOME). Cached: the same RTL's binary reused. Peak: "
              "summed resident set of bcnn and the processes it starts (Verilator, g++), sampled every 20 ms."]
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.4))
    x = range(len(rows))
    for i, (run, color) in enumerate((("cold", "tab:blue"), ("cached", "tab:orange"))):
        ax[0].bar([j + 0.4 * i for j in x], [r[f"{run}_seconds"] for r in rows], 0.4, color=color, label=run)
        ax[1].bar([j + 0.4 * i for j in x], [r[f"{run}_peak_mib"] for r in rows], 0.4, color=color, label=run)
    for a, label in ((ax[0], "seconds"), (ax[1], "peak memory (MiB)")):
        a.set_xticks([j + 0.2 for j in x], [r["model"] for r in rows], fontsize=8)
        a.set_ylabel(label)
        a.legend()
    fig.suptitle("QONNX -> simulated RTL")
    fig.tight_layout()
    fig.savefig(HERE / "flow_time.png", dpi=100)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="", help="Comma-separated subset of " + ",".join(m[0] for m in MODELS))
    main([m for m in parser.parse_args().models.split(",") if m])
