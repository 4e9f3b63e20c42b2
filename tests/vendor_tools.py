"""Running the vendor tier's generated scripts without the vendor tools: the Tcl under the Vivado
stand-in (tests/data/vivado_stub.tcl, which answers as Vivado 2024.2 does for what we use), and
whole builds with the stand-in `vivado`/`v++` of tests/data/fake_xilinx on PATH."""
import os
import subprocess
from pathlib import Path

DATA = Path(__file__).parent / "data"
STUB = DATA / "vivado_stub.tcl"
FAKE_XILINX = DATA / "fake_xilinx"
FAKE_BIN = {"vivado": FAKE_XILINX / "Vivado" / "2024.2" / "bin", "vitis": FAKE_XILINX / "Vitis" / "2024.2" / "bin",
            "vitis_hls": FAKE_XILINX / "Vitis_HLS" / "2024.2" / "bin"}


def run_stub(script: Path, *tclargs, env: dict | None = None) -> subprocess.CompletedProcess:
    """tclsh + the stand-in, in the script's folder as our scripts are run; output: the command log."""
    return subprocess.run(["tclsh", str(STUB), str(script), *map(str, tclargs)], capture_output=True, text=True,
                          cwd=Path(script).parent, env={**os.environ, **(env or {})})


def stub_ok(script: Path, *tclargs, env: dict | None = None) -> list:
    proc = run_stub(script, *tclargs, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    return proc.stdout.splitlines()


def use_fake_tools(monkeypatch, *tools) -> None:
    """Put the stand-in tools first on PATH (and nothing of a real installation in the way)."""
    for var in ("XILINX_VIVADO", "XILINX_HLS", "XILINX_VITIS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", os.pathsep.join([*(str(FAKE_BIN[t]) for t in tools), os.environ["PATH"]]))


def write_board_files(root: Path, vendor: str, name: str, *versions: str) -> Path:
    """A board-files folder as XilinxBoardStore lays one out: <name>/<version>/board.xml."""
    for version in versions:
        folder = root / name / version
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "board.xml").write_text(
            f'<?xml version="1.0"?>\n<board schema_version="2.1" vendor="{vendor}" name="{name}" '
            f'display_name="{name.upper()}" preset_file="preset.xml">\n<file_version>{version}</file_version>\n</board>\n')
    return root
