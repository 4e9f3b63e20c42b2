"""Both notebooks run in a real Jupyter kernel (nbclient + ipykernel) on the simulation backend,
with their parameters set by the test, and their outputs checked: accuracy, FPS, plots."""
import json
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

from build_flows.cli.demo import pick_dataset
from build_flows.runtime.accelerator import open_accelerator

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def execute(name: str, cwd: Path, **params) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    cell.source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items())  # as papermill injects them
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def summary(nb) -> dict:
    lines = [line for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stdout"
             for line in o["text"].splitlines() if line.startswith("BCNN_SUMMARY ")]
    assert len(lines) == 1
    return json.loads(lines[0].split(" ", 1)[1])


def pngs(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    """Trained and built as `bcnn demo` does (test_cli.py): the same weights, folding and board, so
    a run that has the demo's design in its Verilator and Yosys caches compiles and synthesizes
    nothing again (it passes either way)."""
    work = tmp_path_factory.mktemp("notebook")
    nb = execute("flow_end_to_end.ipynb", work, WORK=str(work / "flow"), DATASET=pick_dataset(), EPOCHS=1, LIMIT=None,
                 FOLDING="tfc_w1a1", SIM_IMAGES=6)
    return nb, summary(nb)


def test_flow_notebook_trains_builds_simulates_and_synthesizes(flow):
    nb, s = flow
    assert s["test_accuracy"] > 0.5 and s["rtl_equals_python"]
    estimates = json.loads((Path(s["build_dir"]) / "report" / "estimates.json").read_text())
    assert s["cycles_per_frame"] == estimates["analytic_cycles_per_frame"] == 64  # finn-examples' folding
    # the smaller of the pipeline's rate at 100 MHz and the HP port's (TFC's input: 784 bytes a frame)
    assert s["fps"] == pytest.approx(min(1e8 / s["cycles_per_frame"], estimates["data_movement"]["fps"]))
    assert s["fps"] < 1e8 / s["cycles_per_frame"]
    assert s["lut"] > 0
    assert pngs(nb) == 2  # per-layer cycles and resources
    assert (Path(s["build_dir"]) / "deploy" / "test_images.npz").is_file()


@pytest.mark.parametrize("backend", ["sim", "python"])
def test_deploy_notebook_runs_unchanged_off_the_board(flow, tmp_path, backend):
    build = Path(flow[1]["build_dir"])
    nb = execute("deploy_and_run.ipynb", tmp_path, DESIGN=str(build), BACKEND=backend, IMAGES=24, FPS_FRAMES=4)
    s = summary(nb)
    data = np.load(build / "deploy" / "test_images.npz")
    labels = open_accelerator(build, "python").classify(data["images"][:24])
    assert s["backend"] == backend and s["images"] == 24
    assert s["accuracy"] == pytest.approx(float(np.mean(labels == data["labels"][:24])))
    assert s["accuracy"] > 0.5 and s["fps"] > 0
    if backend == "sim":
        assert "Verilator, cycle-accurate" in s["fps_source"]
    assert pngs(nb) == 2  # confusion matrix and example images
