"""The `deploy` output: build/X/deploy/, everything a PYNQ board needs to run the design.

    bcnn.bit + bcnn.hwh (Zynq) or bcnn.xclbin (Alveo), when the bitfile output was built
    bcnn_driver/      the runtime (accelerator.py, packing.py, backend_pynq.py): numpy + pynq only
    settings.json     stream widths and packing, batch, input/output shapes, clock, shell
    test_images.npz   test images and labels (with --dataset), for the notebook
    deploy_and_run.ipynb, README.md
"""
import json
import shutil
from importlib.resources import files
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper

from models.data import load_dataset
from models.errors import BcnnError

from ..analysis.data_movement import data_movement
from ..atomic import write_json
from ..boards import get_board
from ..config import design_name
from ..vendor.pending import failed
from ..vendor.stream_format import stream_format
from ..vendor.timing import load_timing

DRIVER_FILES = ("accelerator.py", "packing.py", "backend_pynq.py")
NOTEBOOK = "deploy_and_run.ipynb"
TEST_IMAGES = 500
BITFILES = {"zynq": ("vivado/output/bcnn.bit", "vivado/output/bcnn.hwh"), "alveo": ("vitis/output/bcnn.xclbin",)}
PL_CLOCK = "vivado/output/clock.json"  # the clock the PS really makes (Zynq shell)


def notebooks_dir() -> Path:
    """The repository's notebooks/ (the deployment notebook ships from there)."""
    return Path(__file__).resolve().parents[2] / "notebooks"


def write_driver(deploy: Path) -> None:
    driver = deploy / "bcnn_driver"
    driver.mkdir(parents=True, exist_ok=True)
    runtime = files("build_flows.runtime")
    for name in DRIVER_FILES:
        (driver / name).write_text(runtime.joinpath(name).read_text())
    (driver / "__init__.py").write_text('"""bcnn-fpga board driver (copied from build_flows/runtime)."""\n'
                                        "from .accelerator import Accelerator, open_accelerator\n")


def test_images(dataset: str, input_scale: float, shape: list) -> dict:
    test = load_dataset(dataset).test
    images = np.rint(test.images[:TEST_IMAGES].numpy() * input_scale).astype(np.uint8)
    if list(images.shape[1:]) != list(shape):
        raise BcnnError(f"--dataset {dataset}: images of shape {list(images.shape[1:])}, the model takes {shape}")
    return {"images": images, "labels": test.labels[:TEST_IMAGES].numpy()}


def pl_clock_mhz(build_dir: Path) -> float | None:
    path = Path(build_dir) / PL_CLOCK
    return json.loads(path.read_text())["pl_clock_hz"] / 1e6 if path.is_file() else None


def write_deploy(model: ModelWrapper, df: ModelWrapper, cfg) -> list:
    """-> the files written, relative to the build directory."""
    out = Path(cfg.out)
    deploy = out / "deploy"
    shutil.rmtree(deploy, ignore_errors=True)
    deploy.mkdir(parents=True)
    board = get_board(cfg.board)
    fmt = stream_format(model, df, out / "rtl", cfg.batch)
    clock_mhz = pl_clock_mhz(out) or 1e3 / cfg.clock_ns
    settings = {"design": design_name(cfg.out),
                "board": board.name, "shell": board.shell, "part": board.part, "clock_ns": cfg.clock_ns,
                "pl_clock_mhz": clock_mhz, "input_scale": cfg.input_scale, **fmt,
                "data_movement": data_movement(fmt, board.ps, clock_mhz),
                "timing": load_timing(out, board.shell), "bitfile": None}
    # A bitstream that failed the timing gate (or a check) stays in the build for inspection, not on a board.
    if not failed(out, "bitfile") and (settings["timing"] is None or settings["timing"]["met"]):
        for rel in BITFILES[board.shell]:
            if (out / rel).is_file():
                shutil.copyfile(out / rel, deploy / Path(rel).name)
                settings["bitfile"] = settings["bitfile"] or Path(rel).name
    write_driver(deploy)
    if cfg.dataset:
        np.savez_compressed(deploy / "test_images.npz", **test_images(cfg.dataset, cfg.input_scale,
                                                                       settings["input_shape"]))
    shutil.copyfile(notebooks_dir() / NOTEBOOK, deploy / NOTEBOOK)
    readme = files(__package__).joinpath("board_readme.md").read_text()
    (deploy / "README.md").write_text(readme.replace("@BOARD@", board.name).replace("@SHELL@", board.shell))
    write_json(deploy / "settings.json", settings)
    return sorted(str(p.relative_to(out)) for p in deploy.rglob("*") if p.is_file())
