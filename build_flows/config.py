"""BuildConfig: everything one build needs, in one object (YAML on disk as build/X/build.yaml)."""
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import yaml

from .boards import get_board
from models.names import DATASET_NAMES
from models.errors import BcnnError

# What a build can produce: estimates (FINN+'s analytic cycles and resources), rtl (the stitched,
# simulable RTL of the rtl backend), sim (that RTL simulated against the python execution:
# sim/report.json), synth (Yosys synthesis of that RTL: report/synth.json); the
# vendor tier: hls (Vitis HLS synthesis of FINN+'s HLS layers), ip (the accelerator as a Vivado
# IP), bitfile (the board shell and bitstream / xclbin), deploy (build/X/deploy/ for the board).
OUTPUTS = ("estimates", "rtl", "sim", "synth", "hls", "ip", "bitfile", "deploy")
# An output needs these first (a bitstream needs the IP, the IP needs any HLS layer synthesized).
IMPLIED_OUTPUTS = {"ip": ("hls",), "bitfile": ("hls", "ip")}
DEFAULT_OUTPUTS = ("estimates", "rtl")
# With neither a folding file nor a target, fold for this frame rate: small hardware that still
# simulates in seconds (CNV at PE=SIMD=1 would take ~30 M cycles per frame).
DEFAULT_TARGET_FPS = 1000.0


def _values(option: str, value) -> list | None:
    """A per-channel option as a list of floats: from a list, one number, or "0.5,0.5,0.5"."""
    if value is None:
        return None
    try:
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        values = [float(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
    except (TypeError, ValueError):
        raise BcnnError(f"--{option.replace('_', '-')}: expected numbers (one, or one per channel, e.g. "
                        f"0.5,0.5,0.5), got {value!r}") from None
    if not values:
        raise BcnnError(f"--{option.replace('_', '-')}: expected at least one number")
    return values


def partial_dir(final: Path) -> Path:
    """Where a build is written before it is complete and renamed to `final`."""
    return final.parent / f".{final.name}.partial"


def design_name(out) -> str:
    """The build directory's name, also while it is still being written (partial_dir)."""
    name = Path(out).name
    return name[1:-len(".partial")] if name.startswith(".") and name.endswith(".partial") else name


def shipped_foldings() -> dict:
    """Foldings that ship with bcnn (finn-examples' published ones), by model name."""
    return {p.stem: p for p in sorted((Path(__file__).parent / "foldings").glob("*.json"))}


@dataclass
class BuildConfig:
    model: str  # path of the QONNX model
    out: str  # build directory
    board: str = "Pynq-Z1"
    clock_ns: float | None = None  # None: the board's default clock
    folding: str | None = None  # FINN folding-config JSON, a shipped one by name, or "fastest"; excludes target_fps
    target_fps: float | None = None
    backend: str = "rtl"  # rtl: bcnn's hw/ for what FINN+ has only in HLS, stitched and simulable; hls: FINN+'s HLS layers
    fifo_depth: int = 32  # depth of each FIFO between layers in the stitched top
    # FIFO (named producer->consumer, as in rtl/stitch.json) -> depth, replacing the default or a
    # shortcut's computed depth
    fifo_depths: dict = field(default_factory=dict)
    input_scale: float = 255.0  # the accelerator takes integers in [0, input_scale]; the model x / input_scale
    # A model trained on normalised inputs (torchvision's Normalize outside the model): it sees
    # (x / input_scale - input_mean) / input_std, per channel (one value, or one per channel)
    input_mean: list | None = None
    input_std: list | None = None
    verify_samples: int = 3  # inputs executed after every step against the QONNX model
    seed: int = 0
    outputs: list = field(default_factory=lambda: list(DEFAULT_OUTPUTS))  # what to produce, see OUTPUTS
    steps: list = field(default_factory=list)  # empty: the default step list (flow.resolve_steps)
    lut_cap: float = 0.85  # --folding fastest: the share of the board's LUTs the design may use
    # --folding fastest: synthesized LUTs per FINN+-estimated LUT (1: trust the estimates; bcnn
    # fold-search measures it by synthesis)
    lut_per_estimate: float = 1.0
    batch: int = 100  # deploy: frames per DMA transfer (the IP ends each output packet after a batch)
    dataset: str | None = None  # deploy: ship test images of this dataset for the notebook
    board_files: str | None = None  # bitfile: a Vivado board-files directory (Pynq-Z1/Z2 are not built in)

    def __post_init__(self):
        board = get_board(self.board)  # raises on an unknown board
        if self.clock_ns is None:
            self.clock_ns = board.default_clock_ns
        if self.clock_ns <= 0:
            raise BcnnError(f"--clock-ns must be positive, got {self.clock_ns}")
        if self.folding is not None and self.target_fps is not None:
            raise BcnnError("give either --folding or --target-fps, not both")
        if not 0 < self.lut_cap <= 1:
            raise BcnnError(f"--lut-cap must be in (0, 1], got {self.lut_cap}")
        if self.lut_per_estimate <= 0:
            raise BcnnError(f"lut_per_estimate must be positive, got {self.lut_per_estimate}")
        if self.target_fps is not None and self.target_fps <= 0:
            raise BcnnError(f"--target-fps must be positive, got {self.target_fps}")
        if self.folding is not None and not Path(self.folding).is_file() and self.folding in shipped_foldings():
            self.folding = str(shipped_foldings()[self.folding])
        if self.backend not in ("rtl", "hls"):
            raise BcnnError(f"unknown backend '{self.backend}'; valid: rtl, hls")
        if self.fifo_depth < 1:
            raise BcnnError(f"fifo_depth must be at least 1, got {self.fifo_depth}")
        bad = {k: v for k, v in self.fifo_depths.items() if not isinstance(v, int) or v < 1}
        if bad:
            raise BcnnError(f"fifo_depths: depths must be integers >= 1, got {bad}")
        if isinstance(self.outputs, str):
            self.outputs = [o.strip() for o in self.outputs.split(",") if o.strip()]
        self.outputs = list(self.outputs)
        unknown = [o for o in self.outputs if o not in OUTPUTS]
        if unknown:
            raise BcnnError(f"unknown output(s) {', '.join(unknown)}; valid outputs: {', '.join(OUTPUTS)}")
        for output in list(self.outputs):
            self.outputs += [o for o in IMPLIED_OUTPUTS.get(output, ()) if o not in self.outputs]
        if self.batch < 1:
            raise BcnnError(f"--batch must be at least 1, got {self.batch}")
        if self.dataset is not None and self.dataset not in DATASET_NAMES:
            raise BcnnError(f"unknown dataset '{self.dataset}'; valid: {', '.join(DATASET_NAMES)}")
        if "bitfile" in self.outputs and self.backend == "hls" and board.shell != "zynq":
            raise BcnnError(f"--backend hls builds bitfiles for Zynq boards only (FINN+'s ZynqBuild); for {board.name} "
                            "use --backend rtl")
        if "sim" in self.outputs and self.backend != "rtl":
            raise BcnnError("output sim simulates the rtl backend's stitched design: use --backend rtl")
        if "synth" in self.outputs and self.backend != "rtl":
            raise BcnnError("output synth synthesizes the RTL backend's design: use --backend rtl")
        if self.verify_samples < 1:
            raise BcnnError(f"verify_samples must be at least 1, got {self.verify_samples}")
        self.input_mean, self.input_std = _values("input_mean", self.input_mean), _values("input_std", self.input_std)
        if self.input_std is not None and min(self.input_std) <= 0:
            raise BcnnError(f"--input-std must be positive, got {self.input_std}")

    def model_input(self, pixels: np.ndarray) -> np.ndarray:
        """What the QONNX model sees for integer pixels (N, C, ...): pixels / input_scale, normalised
        by input_mean and input_std per channel (axis 1) when given."""
        x = np.asarray(pixels, dtype=np.float32) / np.float32(self.input_scale)
        shape = (1, -1) + (1,) * (x.ndim - 2)
        if self.input_mean is not None:
            x = x - np.asarray(self.input_mean, dtype=np.float32).reshape(shape)
        if self.input_std is not None:
            x = x / np.asarray(self.input_std, dtype=np.float32).reshape(shape)
        return x

    @property
    def fpga_part(self) -> str:
        return get_board(self.board).part

    @property
    def target_cycles_per_frame(self) -> int:
        fps = self.target_fps if self.target_fps is not None else DEFAULT_TARGET_FPS
        return max(1, int(1e9 / (self.clock_ns * fps)))

    def save(self, path: Path) -> None:
        path.write_text(yaml.safe_dump(asdict(self), sort_keys=False))

    @classmethod
    def load(cls, path: Path) -> "BuildConfig":
        if not Path(path).is_file():
            raise BcnnError(f"{path}: no such build config (a YAML file like build/X/build.yaml)")
        try:
            data = yaml.safe_load(Path(path).read_text()) or {}
        except yaml.YAMLError as exc:
            raise BcnnError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from exc
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise BcnnError(f"{path}: unknown build option(s) {sorted(unknown)}; valid: {sorted(known)}")
        missing = [name for name in ("model", "out") if name not in data]
        if missing:
            raise BcnnError(f"{path}: needs {' and '.join(missing)} (the QONNX model and the build directory)")
        return cls(**data)


def default(name: str):
    """A BuildConfig option's default: the CLI shows and passes these, so they live in one place."""
    f = {f.name: f for f in fields(BuildConfig)}[name]
    return f.default_factory() if f.default_factory is not MISSING else f.default
