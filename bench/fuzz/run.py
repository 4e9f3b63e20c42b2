"""Benchmark: the model fuzzer (issue #24). Random user-style Brevitas models (models/user_style/
fuzz.py: depth, channels, kernels 1/3/5, strides, padding 0-2, weight and activation bits 1-8,
activation and pooling kinds, depthwise convolutions, residual blocks with identity, strided 1x1
or average-pool shortcuts, concatenations, input normalisation inside or outside), each exported
by Brevitas, built, simulated at full rate and under random backpressure with every stream
compared (build_flows/explore/user_models.py), and counted: exact / refused (one line naming the
node) / crash (an internal exception, a verification failure, a differing or slow simulation).
Every row is reproducible from its seed:

    .venv/bin/python bench/fuzz/run.py                  # seeds 0..299, resumed from results.json
    .venv/bin/python bench/fuzz/run.py --seed 17        # one seed again, its build kept in /tmp
    .venv/bin/python bench/fuzz/run.py --count 50 --jobs 2

Writes results.json (every seed), results.md (counts, refusals by reason, crashes) and fuzz.png."""
import argparse
import collections
import hashlib
import json
import multiprocessing
import re
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from build_flows.explore.user_models import check_model  # noqa: E402
from models.user_style.fuzz import random_spec  # noqa: E402

HERE = Path(__file__).parent


def summary(spec: dict) -> str:
    """A spec in one line: conv3/2p1 w1 -> sign ..."""
    def layer(l: dict) -> str:
        op = l["op"]
        if op == "conv":
            kind = "dw" if l.get("groups", 1) > 1 else "conv"
            return f"{kind}{l['k']}/{l['stride']}p{l['pad']}w{l['bits']}{'+b' if l.get('bias') else ''}"
        if op == "act":
            return "sign" if l["kind"] == "sign" else f"{l['kind']}{l['bits']}"
        if op in ("maxpool", "avgpool"):
            return f"{op[:3]}{l['k']}/{l['stride']}p{l['pad']}"
        if op == "residual":
            short = "id" if not l["shortcut"] else "conv1x1" if l["shortcut"][0]["op"] == "conv" else "avgpool"
            return f"res[{' '.join(map(layer, l['body']))} | {short}]"
        if op == "concat":
            return f"cat[{' '.join(map(layer, l['body']))}]"
        if op == "linear":
            return f"fc{l['out']}w{l['bits']}{'+b' if l.get('bias') else ''}"
        if op == "quant_input":
            return f"in{l['bits']}{'s' if l.get('signed', True) else 'u'}"
        return op
    shape = "x".join(map(str, spec["input"]))
    return f"{shape}{' norm' if spec.get('normalized') else ''}: " + " ".join(layer(l) for l in spec["layers"])


def spec_hash(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def run_seed(seed: int, keep: bool = False) -> dict:
    spec = random_spec(seed)
    start = time.perf_counter()
    if keep:
        where = tempfile.mkdtemp(prefix=f"bcnn-fuzz-{seed}-")
        outcome = check_model(spec, Path(where), seed=seed, keep=True)
    else:
        with tempfile.TemporaryDirectory(prefix=f"bcnn-fuzz-{seed}-") as tmp:
            outcome = check_model(spec, Path(tmp), seed=seed)
    row = {"seed": seed, "spec_hash": spec_hash(spec), "model": summary(spec), **outcome.as_dict(),
           "seconds_total": round(time.perf_counter() - start, 1)}
    if keep:
        row["kept"] = where  # the model, its build and outcome.json
    return row


def reason(message: str) -> str:
    """A refusal's or crash's message without its file path, node names and numbers: its kind."""
    text = re.sub(r"^\S+\.onnx: ", "", message)
    text = re.sub(r"'[^']*'", "'…'", text)
    return re.sub(r"\d+(\.\d+)?", "N", text)[:160]


def write_reports(rows: list) -> None:
    rows = sorted(rows, key=lambda r: r["seed"])
    (HERE / "results.json").write_text(json.dumps(rows, indent=1) + "\n")
    counts = collections.Counter(r["outcome"] for r in rows)
    exact = [r for r in rows if r["outcome"] == "exact"]
    ratios = [r["cycles_ratio"] for r in exact]
    lines = [f"{len(rows)} random models (seeds {rows[0]['seed']}..{rows[-1]['seed']}): "
             f"**{counts['exact']} bit-exact**, **{counts['refused']} refused by name**, **{counts['crash']} crashes**.", ""]
    if ratios:
        lines.append(f"Bit-exact designs: every stream compared under random backpressure; simulated / analytic cycles "
                     f"per frame {min(ratios):.4f} .. {max(ratios):.4f} (limit 1.05); {sum(r['streams'] for r in exact):,} "
                     f"streams in all.")
    recorded = [r["reference_samples"] for r in exact if r.get("reference_samples") is not None]
    if recorded:
        fewer = sum(n < max(recorded) for n in recorded)
        lines.append(f"Every build step compared with the float QONNX model on {max(recorded)} random inputs in "
                     f"{len(recorded) - fewer} of the {len(recorded)} exact models that record it; in {fewer}, fewer "
                     f"(fewest {min(recorded)}): the other inputs put one of its quantizers on a rounding boundary, "
                     "where float rounding picks the level, and are not compared.")
    lines += ["", "| outcome | stage | count | reason (paths, names and numbers elided) | seeds |", "|---|---|---|---|---|"]
    groups = collections.defaultdict(list)
    for r in rows:
        if r["outcome"] != "exact":
            groups[(r["outcome"], r["stage"], reason(r["message"]))].append(r["seed"])
    for (outcome, stage, why), seeds in sorted(groups.items(), key=lambda g: (g[0][0] != "crash", -len(g[1]))):
        lines.append(f"| {outcome} | {stage} | {len(seeds)} | {why} | {', '.join(map(str, seeds[:12]))}"
                     f"{' ...' if len(seeds) > 12 else ''} |")
    lines += ["", "Reproduce one: `.venv/bin/python bench/fuzz/run.py --seed S` (the model: `models.user_style.fuzz.random_spec(S)`)."]
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
    ax1.bar(["exact", "refused", "crash"], [counts["exact"], counts["refused"], counts["crash"]],
            color=["tab:green", "tab:orange", "tab:red"])
    ax1.set_title(f"{len(rows)} fuzzed models")
    if ratios:
        ax2.hist(ratios, bins=20, color="tab:blue")
    ax2.set_title("bit-exact designs: simulated / analytic cycles")
    fig.tight_layout()
    fig.savefig(HERE / "fuzz.png", dpi=100)


def main(args) -> int:
    if args.seed is not None:
        row = run_seed(args.seed, keep=True)
        print(json.dumps(row, indent=2))
        return 0 if row["outcome"] != "crash" else 1
    done = {}
    if (HERE / "results.json").is_file() and not args.fresh:
        for r in json.loads((HERE / "results.json").read_text()):
            if r["spec_hash"] == spec_hash(random_spec(r["seed"])):
                done[r["seed"]] = r
    todo = [s for s in range(args.start, args.start + args.count) if s not in done]
    rows = list(done.values())
    with multiprocessing.get_context("spawn").Pool(args.jobs, maxtasksperchild=1) as pool:
        for row in pool.imap_unordered(run_seed, todo):
            rows.append(row)
            print(f"seed {row['seed']}: {row['outcome']} {row['stage']} {row['message'][:150]} ({row['seconds_total']} s)",
                  flush=True)
            write_reports([r for r in rows if args.start <= r["seed"] < args.start + args.count])
    write_reports([r for r in rows if args.start <= r["seed"] < args.start + args.count])
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--seed", type=int, default=None, help="Run one seed, keep its build, print its row.")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="Ignore the rows in results.json.")
    sys.exit(main(parser.parse_args()))
