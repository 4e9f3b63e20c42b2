"""`bcnn report`: the per-layer estimates of a build as a table and a bar chart of cycles."""
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


def estimates_table(est: dict) -> Table:
    table = Table(title=f"{est['board']} @ {est['clock_ns']} ns: {est['analytic_cycles_per_frame']} cycles/frame, "
                        f"{est['fps_at_clock']:.0f} FPS (bottleneck {est['bottleneck_layer']})")
    for col in ("layer", "op", "cycles", "PE", "SIMD", "LUT", "BRAM18"):
        table.add_column(col, justify="left" if col in ("layer", "op") else "right")
    for layer in est["layers"]:
        table.add_row(layer["name"], layer["op_type"], str(layer["cycles"]), str(layer["PE"] or "-"),
                      str(layer["SIMD"] or "-"), str(layer["lut"]), str(layer["bram_18k"]))
    t = est["totals"]
    table.add_row("total", "", "", "", "", str(t["lut"]), str(t["bram_18k"]), style="bold")
    return table


def plot_cycles(est: dict, path: Path) -> Path:
    layers = [layer for layer in est["layers"] if layer["cycles"] > 0]
    fig, ax = plt.subplots(figsize=(8, 0.3 * len(layers) + 1.5))
    names = [layer["name"] for layer in layers]
    cycles = [layer["cycles"] for layer in layers]
    colors = ["tab:red" if layer["name"] == est["bottleneck_layer"] else "tab:blue" for layer in layers]
    ax.barh(names, cycles, color=colors)
    ax.invert_yaxis()
    ax.set_xlabel("estimated cycles per frame")
    ax.set_title(f"{est['board']}: {est['analytic_cycles_per_frame']} cycles/frame ({est['fps_at_clock']:.0f} FPS)")
    fig.tight_layout()
    tmp = path.with_name(path.stem + ".partial.png")
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(path)
    return path
