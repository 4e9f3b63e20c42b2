"""`bcnn report`: per-layer estimates of a build (and, after `bcnn synth`, the synthesized
resources beside them) as a table against the board's budget, and bar charts of cycles and
resources."""
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on build machines
import matplotlib.pyplot as plt  # noqa: E402
from rich.table import Table  # noqa: E402

from models.errors import BcnnError  # noqa: E402


def load_estimates(build_dir: Path) -> dict:
    path = Path(build_dir) / "report" / "estimates.json"
    if not path.is_file():
        raise BcnnError(f"{build_dir}: not a finished build (no {path.relative_to(build_dir)}); run `bcnn build` first")
    return json.loads(path.read_text())


def load_synth(build_dir: Path) -> dict | None:
    path = Path(build_dir) / "report" / "synth.json"
    return json.loads(path.read_text()) if path.is_file() else None


def load_shortcuts(build_dir: Path) -> list:
    """The residual shortcuts' FIFOs of an rtl build (rtl/stitch.json), [] for none or an hls build."""
    path = Path(build_dir) / "rtl" / "stitch.json"
    return json.loads(path.read_text()).get("shortcuts", []) if path.is_file() else []


def shortcuts_line(shortcuts: list) -> str:
    if not shortcuts:
        return ""
    each = "; ".join(f"{s['fifo']}: {s['depth']} x {s['width']} bit (deadlock-free from {s['deadlock_free_depth']})"
                     for s in shortcuts)
    return f"shortcut FIFOs: {sum(s['bits'] for s in shortcuts):,} bits in {len(shortcuts)} ({each})"


def fps_line(est: dict) -> str:
    """The FPS the board delivers and what bounds it: the slowest layer or the data movement."""
    pipeline = est.get("pipeline_fps_at_clock", est["fps_at_clock"])
    if pipeline is None:
        return "no FPS (no layer takes a cycle)"
    if est["fps_at_clock"] < pipeline:
        return f"{est['fps_at_clock']:,.0f} FPS, bounded by {est['fps_bounded_by']} (the pipeline: {pipeline:,.0f})"
    return f"{est['fps_at_clock']:,.0f} FPS (bottleneck {est['bottleneck_layer']})"


def estimates_table(est: dict, synth: dict | None = None) -> Table:
    """Layers with FINN+'s estimates; with `synth`, the synthesized LUT (logic + LUT RAM), FF,
    BRAM18 and logic levels beside them, FIFOs, the whole top and the board's budget."""
    table = Table(title=f"{est['board']} @ {est['clock_ns']} ns: {est['analytic_cycles_per_frame']} cycles/frame, "
                        f"{fps_line(est)}")
    columns = ["layer", "op", "cycles", "PE", "SIMD", "LUT est", "BRAM18 est"]
    if synth:
        columns += ["LUT synth", "FF synth", "BRAM18 synth", "levels"]
    for col in columns:
        table.add_column(col, justify="left" if col in ("layer", "op") else "right")
    synthesized = {layer["name"]: layer for layer in (synth or {}).get("layers", [])}
    for layer in est["layers"]:
        row = [layer["name"], layer["op_type"], str(layer["cycles"]), str(layer["PE"] or "-"),
               str(layer["SIMD"] or "-"), str(layer["lut"]), str(layer["bram_18k"])]
        if synth:
            s = synthesized.get(layer["name"])
            row += [str(s["lut_total"]), str(s["ff"]), str(s["bram_18k"]), str(s["logic_levels"])] if s else ["-"] * 4
        table.add_row(*row)
    t, fifos = est["totals"], est.get("fifos")  # estimates.json before FIFOs were counted: none
    fifo_est = [str(fifos["lut"]), str(fifos["bram_18k"])] if fifos else ["-", "-"]
    if synth:
        f = synth["fifos"]["total"]
        table.add_row("FIFOs", f"{sum(c['instances'] for c in synth['fifos']['configs'])} between layers", "", "", "",
                      *fifo_est, str(f["lut_total"]), str(f["ff"]), str(f["bram_18k"]),
                      str(max((c["logic_levels"] for c in synth["fifos"]["configs"]), default=0)))
        whole = synth["total"]
        table.add_row("total", synth.get("basis", "whole top"), "", "", "", str(t["lut"]), str(t["bram_18k"]),
                      str(whole["lut_total"]), str(whole["ff"]), str(whole["bram_18k"]), str(whole["logic_levels"]),
                      style="bold")
        b, timing = synth["budget"], synth.get("timing")
        table.add_row("board", synth["board"], "", "", "", str(b["lut"]), str(b["bram_18k"]), str(b["lut"]), "",
                      str(b["bram_18k"]), "")
        if timing:
            table.caption = (f"longest path by the {timing['model']['family']} delay model: {timing['proxy_period_ns']:.2f} ns "
                             f"({timing['critical_path']['levels']} cells) for a {timing['clock_ns']:g} ns clock: "
                             f"{'fits' if timing['fits'] else 'does NOT fit'} (proxy fmax {timing['proxy_fmax_mhz']:.0f} MHz, "
                             f"+-{timing['margin_ns']:.1f} ns); slowest layer {timing['slowest_layer']['name']}")
    else:
        if fifos:
            table.add_row("FIFOs", f"{fifos['count']} between layers", "", "", "", *fifo_est)
        table.add_row("total", "", "", "", "", str(t["lut"]), str(t["bram_18k"]), style="bold")
    return table


def _save(fig, path: Path) -> Path:
    tmp = path.with_name(path.stem + ".partial.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(path)
    return path


def plot_cycles(est: dict, path: Path) -> Path:
    layers = [layer for layer in est["layers"] if layer["cycles"] > 0]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(layers) + 1.5))
    names = [layer["name"] for layer in layers]
    cycles = [layer["cycles"] for layer in layers]
    colors = ["tab:red" if layer["name"] == est["bottleneck_layer"] else "tab:blue" for layer in layers]
    ax.barh(names, cycles, color=colors)
    ax.invert_yaxis()
    ax.set_xlabel("estimated cycles per frame")
    ax.set_title(f"{est['board']}: {est['analytic_cycles_per_frame']} cycles/frame ({fps_line(est)})")
    fig.tight_layout()
    return _save(fig, path)


def plot_resources(est: dict, synth: dict, path: Path) -> Path:
    """Per layer, LUT and BRAM18: FINN+'s estimate beside the synthesized figure; totals against
    the board's budget in the titles."""
    by_name = {layer["name"]: layer for layer in synth["layers"]}
    layers = [layer for layer in est["layers"] if layer["name"] in by_name]
    names = [layer["name"] for layer in layers]
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.3 * len(layers) + 2), sharey=True)
    whole = synth["total"]
    for ax, (est_key, synth_key, label, budget) in zip(axes, [("lut", "lut_total", "LUT", synth["budget"]["lut"]),
                                                              ("bram_18k", "bram_18k", "BRAM18",
                                                               synth["budget"]["bram_18k"])]):
        y = range(len(layers))
        ax.barh([i - 0.2 for i in y], [layer[est_key] for layer in layers], height=0.4, label="FINN+ estimate")
        ax.barh([i + 0.2 for i in y], [by_name[n][synth_key] for n in names], height=0.4, label="Yosys synthesis")
        ax.set_yticks(list(y), names)
        ax.invert_yaxis()
        ax.set_xlabel(label)
        ax.set_title(f"{label}: {whole[synth_key]:,} synthesized, {est['totals'][est_key]:,} estimated, "
                     f"board {budget:,}", fontsize=9)
        ax.legend(fontsize=8)
    fig.suptitle(f"{synth['board']} ({synth['family']}): resources per layer")
    fig.tight_layout()
    return _save(fig, path)
