"""docker/: the Dockerfile lints clean with hadolint, and the launcher's argument, UID, mount and
tool-path logic builds the right `docker run` (checked with --dry-run; no Docker daemon needed)."""
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RUN = REPO / "docker" / "run.sh"
HADOLINT = Path(sys.executable).parent / "hadolint"


def test_dockerfile_lints_clean():
    proc = subprocess.run([str(HADOLINT), "--failure-threshold", "info", str(REPO / "docker" / "Dockerfile")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN cd /tmp && apt-get install git\n")
    assert subprocess.run([str(HADOLINT), str(bad)], capture_output=True).returncode != 0


def launch(*args, env=None, cwd=None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("BCNN_", "XILINX", "LM_LICENSE"))}
    return subprocess.run(["bash", str(RUN), *args], capture_output=True, text=True, env={**base, **(env or {})},
                          cwd=cwd)


@pytest.fixture()
def xilinx(tmp_path):
    """A host Xilinx tree laid out as 2024.2 installs it (executables only)."""
    root = tmp_path / "Xilinx"
    for tool in ("Vivado/2024.2/bin/vivado", "Vitis_HLS/2024.2/bin/vitis_hls", "Vitis/2024.2/bin/v++"):
        path = root / tool
        path.parent.mkdir(parents=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    return root


def test_launcher_runs_as_the_caller_with_the_host_tools(xilinx, tmp_path):
    proc = launch("--dry-run", "--xilinx", str(xilinx), "--xilinx-version", "2024.2", "--cache", str(tmp_path / "c"),
                  "bcnn", "build", "my model.yaml", "--outputs", "bitfile,deploy", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    cmd = shlex.split(proc.stdout)
    assert cmd[:3] == ["docker", "run", "--rm"]
    assert cmd[cmd.index("-u") + 1] == f"{os.getuid()}:{os.getgid()}"
    volumes = [cmd[i + 1] for i, a in enumerate(cmd) if a == "-v"]
    assert f"{tmp_path}:/work" in volumes and f"{tmp_path / 'c'}:/cache" in volumes
    assert f"{xilinx}:{xilinx}:ro" in volumes
    env = dict(cmd[i + 1].split("=", 1) for i, a in enumerate(cmd) if a == "-e")
    assert env["XILINX_VIVADO"] == f"{xilinx}/Vivado/2024.2" and env["XILINX_HLS"] == f"{xilinx}/Vitis_HLS/2024.2"
    assert env["XILINX_VITIS"] == f"{xilinx}/Vitis/2024.2" and env["HOME"] == "/cache"
    assert env["PATH"].split(":")[:1] != [] and f"{xilinx}/Vivado/2024.2/bin" in env["PATH"].split(":")
    assert cmd[-6:] == ["bcnn-fpga", "bcnn", "build", "my model.yaml", "--outputs", "bitfile,deploy"]
    assert not (tmp_path / "c").exists()  # a dry run creates nothing


def test_launcher_takes_its_defaults_from_the_documented_variables(xilinx, tmp_path):
    newer = tmp_path / "X2"  # 2025.1 and later: DIR/VERSION/Vivado
    (newer / "2025.1" / "Vivado" / "bin").mkdir(parents=True)
    shutil.copy(xilinx / "Vivado" / "2024.2" / "bin" / "vivado", newer / "2025.1" / "Vivado" / "bin" / "vivado")
    proc = launch("--dry-run", "bcnn", "--help", env={"BCNN_XILINX_DIR": str(newer), "BCNN_XILINX_VERSION": "2025.1",
                                                      "BCNN_IMAGE": "mine:1", "XILINXD_LICENSE_FILE": "2100@lic"})
    assert proc.returncode == 0, proc.stderr
    cmd = shlex.split(proc.stdout)
    assert f"XILINX_VIVADO={newer}/2025.1/Vivado" in cmd and "XILINXD_LICENSE_FILE=2100@lic" in cmd
    assert cmd[-3:] == ["mine:1", "bcnn", "--help"]


@pytest.mark.parametrize("args, said", [
    ((), "no command given"),
    (("--frobnicate", "bcnn"), "unknown option --frobnicate"),
    (("--xilinx", "/nonexistent", "--xilinx-version", "2024.2", "bcnn"), "/nonexistent: no such directory"),
    (("--xilinx", "XILINX", "bcnn"), "needs --xilinx-version"),
    (("--xilinx", "XILINX", "--xilinx-version", "2019.1", "bcnn"), "no Vivado 2019.1 under"),
])
def test_launcher_refuses_bad_arguments_in_one_line(xilinx, args, said):
    args = tuple(str(xilinx) if a == "XILINX" else a for a in args)
    proc = launch("--dry-run", *args)
    assert proc.returncode == 2 and said in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
