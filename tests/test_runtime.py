"""The runtime: board packing equals the simulator's, the backends agree frame for frame, the
deployed driver needs only numpy (and pynq) on the board, and bad input is one clear error."""
import ast
import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from build_flows.runtime.accelerator import Accelerator, AcceleratorError, on_board, open_accelerator
from build_flows.runtime.packing import pack, unpack
from build_flows.sim import verilator as vl


@pytest.mark.parametrize("bits, signed, bipolar, elems, bus", [(8, False, False, 49, 512), (1, False, True, 10, 16),
                                                                (5, True, False, 3, 16), (24, True, False, 2, 64)])
def test_board_packing_is_the_simulators_and_round_trips(bits, signed, bipolar, elems, bus):
    side = {"bits": bits, "signed": signed, "bipolar": bipolar, "elems_per_beat": elems, "beats_per_frame": 4,
            "bus_bits": bus}
    rng = np.random.default_rng(bits)
    if bipolar:
        values = rng.choice([-1, 1], (3, 4 * elems))
    else:
        lo, hi = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
        values = rng.integers(lo, hi, (3, 4 * elems))
    data = pack(values, side)
    assert data.shape == (12, bus // 8)
    codes = (values > 0).astype(np.int64) if bipolar else values
    sim_words = vl.pack(codes.reshape(-1, elems), bits)  # what bcnn sim streams into the RTL
    board = np.pad(data, ((0, 0), (0, -data.shape[1] % 4))).view("<u4")[:, :sim_words.shape[1]]
    np.testing.assert_array_equal(board, sim_words)
    np.testing.assert_array_equal(unpack(data, side, 3), values)


@pytest.fixture(scope="module")
def deployed(built):
    return built("tfc_w1a1", folding="tfc_w1a1", outputs=["deploy"], batch=4)


def test_sim_and_python_backends_agree_and_sim_times_the_hardware(deployed):
    pixels = np.random.default_rng(3).integers(0, 256, (6, 1, 28, 28))
    sim, python = open_accelerator(deployed, "sim"), open_accelerator(deployed / "deploy", "python")
    np.testing.assert_array_equal(sim.run(pixels), python.run(pixels))
    assert sim.classify(pixels).tolist() == python.classify(pixels).tolist()
    est = json.loads((deployed / "report" / "estimates.json").read_text())
    perf = sim.throughput_test(frames=5)
    assert perf["cycles_per_frame"] == pytest.approx(est["analytic_cycles_per_frame"], rel=0.02)
    assert perf["pipeline_fps"] == pytest.approx(1e9 / (est["clock_ns"] * perf["cycles_per_frame"]))
    assert perf["latency_ms"] > 0 and "Verilator" in perf["source"]
    assert "not hardware" in python.throughput_test(frames=2)["source"]


def test_bad_input_and_backend_are_one_clear_error(deployed, tmp_path):
    acc = open_accelerator(deployed, "python")
    with pytest.raises(AcceleratorError, match=r"expected \(N, 1, 28, 28\)"):
        acc.classify(np.zeros((2, 28, 28)))
    with pytest.raises(AcceleratorError, match=r"integers in \[0, 255\]"):
        acc.classify(np.full((1, 1, 28, 28), 256))
    with pytest.raises(AcceleratorError, match="valid: auto, pynq, sim, python"):
        open_accelerator(deployed, "fpga")
    with pytest.raises(AcceleratorError, match=r"pynq package could not be imported \(No module named 'pynq'\).*"
                                               r"pynq_venv.sh"):
        open_accelerator(deployed, "pynq")  # the real reason (row 9): here, no pynq at all
    with pytest.raises(AcceleratorError, match="--outputs ...,deploy"):
        open_accelerator(tmp_path, "sim")
    assert open_accelerator(deployed).name == "sim"  # auto, off a board


# Runs on "a board": imports of the bcnn-fpga installation and its heavy dependencies fail.
BOARD_IMPORTS = """
import sys
class NotOnTheBoard:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("build_flows", "models", "qonnx", "finn", "torch", "onnx", "brevitas"):
            raise ImportError(f"{name} is not on the board")
sys.meta_path.insert(0, NotOnTheBoard())
sys.path.insert(0, sys.argv[1])
from bcnn_driver import open_accelerator
from bcnn_driver.packing import pack
try:
    open_accelerator(sys.argv[1], "sim")
except ValueError as exc:
    print("refused:", exc)
"""


def test_the_deployed_driver_imports_with_numpy_alone(deployed):
    proc = subprocess.run([sys.executable, "-c", BOARD_IMPORTS, str(deployed / "deploy")], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert "refused: backend sim needs the bcnn-fpga installation" in proc.stdout


def test_deployment_package_settings_match_the_design(deployed):
    settings = json.loads((deployed / "deploy" / "settings.json").read_text())
    ip_free = {k: settings[k] for k in ("board", "shell", "batch", "input_shape", "output_shape", "host_ops")}
    assert ip_free == {"board": "Pynq-Z1", "shell": "zynq", "batch": 4, "input_shape": [1, 28, 28],
                       "output_shape": [1], "host_ops": [{"op": "Reshape", "shape": [1, 784]}]}
    stitch = json.loads((deployed / "rtl" / "stitch.json").read_text())
    assert settings["input"]["stream_bits"] == stitch["stages"][0]["in_widths"][0]
    assert settings["input"]["bus_bits"] == 512 and settings["bitfile"] is None  # no vendor tools here
    assert (deployed / "deploy" / "deploy_and_run.ipynb").is_file()
    assert "bcnn deploy" in (deployed / "deploy" / "README.md").read_text()


@pytest.mark.board
def test_pynq_backend_on_a_board(deployed):
    if not on_board():
        pytest.skip("needs a PYNQ board with the design's bitstream (pynq finds no FPGA device here)")
    acc = open_accelerator(deployed, "pynq")
    pixels = np.random.default_rng(0).integers(0, 256, (8, 1, 28, 28))
    np.testing.assert_array_equal(acc.run(pixels), open_accelerator(deployed, "python").run(pixels))


def test_board_driver_against_the_ip_in_simulation(built, tmp_path, monkeypatch):
    """The pynq backend, unchanged, on a pynq stand-in whose DMA is the IP in Verilator: batches of
    3 frames, a short last batch padded, every output equal to the python execution."""
    board = tmp_path / "board"
    shutil.copytree(built("tfc_w1a1", folding="tfc_w1a1", board="Pynq-Z2", outputs=["bitfile", "deploy"], batch=3),
                    board)
    (board / "deploy" / "bcnn.bit").write_bytes(b"")  # the Overlay of the stand-in reads the build instead
    backend_pynq = pynq_double(monkeypatch)
    settings = json.loads((board / "deploy" / "settings.json").read_text())
    driver = backend_pynq.PynqBackend(board / "deploy", settings)
    acc = Accelerator(driver)
    pixels = np.random.default_rng(5).integers(0, 256, (7, 1, 28, 28))
    np.testing.assert_array_equal(acc.run(pixels), open_accelerator(board, "python").run(pixels))
    assert driver.overlay.dma.transfers == 3
    perf = acc.throughput_test(frames=3)
    assert perf["fps"] > 0 and "board, 1 DMA transfer(s) of 3 frame(s)" in perf["source"]


def test_sim_fps_is_bounded_by_the_dma_width_and_the_hp_port(deployed):
    """Row 17: TFC's input is 16 beats of 512 bits (49 pixels of 8 bits padded to the DMA's width)
    a frame: 1,024 bytes through a 64-bit Zynq-7000 HP port take 128 cycles, while the pipeline
    needs fewer; the FPS reported is the board's, not the pipeline's."""
    settings = json.loads((deployed / "deploy" / "settings.json").read_text())
    assert settings["data_movement"]["cycles_per_frame"] == 1024 // 8
    perf = open_accelerator(deployed, "sim").throughput_test(frames=3)
    assert perf["cycles_per_frame"] < 128
    assert perf["fps"] == pytest.approx(100e6 / 128) and perf["pipeline_fps"] > perf["fps"]
    assert "64-bit HP port" in perf["source"]


DRIVER_FILES = ("accelerator.py", "packing.py", "backend_pynq.py")
PEP604_OR_585 = ("list", "dict", "tuple", "set", "type", "frozenset")


def evaluated_annotations_newer_than_38(tree) -> list:
    """Annotations Python 3.8 would evaluate and reject: `X | Y` or `list[...]` at definition time."""
    found = []
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations = [a.annotation for a in node.args.args + node.args.kwonlyargs if a.annotation] + [node.returns]
        elif isinstance(node, ast.AnnAssign):
            annotations = [node.annotation]
        for annotation in filter(None, annotations):
            for part in ast.walk(annotation):
                if isinstance(part, ast.BinOp) and isinstance(part.op, ast.BitOr) or (
                        isinstance(part, ast.Subscript) and getattr(part.value, "id", None) in PEP604_OR_585):
                    found.append(f"line {part.lineno}: {ast.unparse(annotation)}")
    return found


@pytest.mark.parametrize("name", DRIVER_FILES)
def test_the_driver_runs_on_python_38(name):
    """Row 10: the board driver parses as Python 3.8 and its annotations are never evaluated there
    (PYNQ 2.7 images ship 3.8, where `int | None` at definition time is a TypeError)."""
    source = (Path(__file__).resolve().parents[1] / "build_flows" / "runtime" / name).read_text()
    tree = ast.parse(source, feature_version=(3, 8))
    postponed = any(isinstance(n, ast.ImportFrom) and n.module == "__future__" and
                    any(a.name == "annotations" for a in n.names) for n in tree.body)
    assert postponed or not evaluated_annotations_newer_than_38(tree), evaluated_annotations_newer_than_38(tree)


def pynq_double(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parent / "board_double"))
    for name in ("pynq", "build_flows.runtime.backend_pynq"):  # both gone again after the test
        monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module("build_flows.runtime.backend_pynq")


def test_alveo_driver_calls_the_data_movers_with_buffers_in_their_banks(built, tmp_path, monkeypatch):
    """Rows 7, 8, 17: the pynq backend, unchanged, on the Alveo double: idma_0/odma_0 called as PYNQ
    calls XRT kernels, each buffer in the bank link.cfg gives its mover; outputs equal python's.
    PYNQ 3.1 and later (no Alveo) is refused naming the version to pin."""
    board = tmp_path / "u250"
    shutil.copytree(built("tfc_w1a1", folding="tfc_w1a1", board="U250", outputs=["bitfile", "deploy"], batch=3), board)
    (board / "deploy" / "bcnn.xclbin").write_bytes(b"")  # the double reads the build's vitis/ sources
    backend_pynq = pynq_double(monkeypatch)
    settings = json.loads((board / "deploy" / "settings.json").read_text())
    driver = backend_pynq.PynqBackend(board / "deploy", settings)
    assert (driver.in_buf.bank, driver.out_buf.bank) == ("DDR[0]", "DDR[1]")
    pixels = np.random.default_rng(7).integers(0, 256, (4, 1, 28, 28))
    np.testing.assert_array_equal(Accelerator(driver).run(pixels), open_accelerator(board, "python").run(pixels))
    assert driver.overlay.transfers == 2
    monkeypatch.setattr(sys.modules["pynq"], "__version__", "3.1.1")
    with pytest.raises(RuntimeError, match=r"pynq 3.1.1 has no Alveo support.*pip install pynq==3.0.1"):
        backend_pynq.PynqBackend(board / "deploy", settings)
