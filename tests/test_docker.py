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
    (("--frobnicate", "bcnn"), "unknown option --frobnicate"),
    (("bcnn", "build", "x.yaml", "--board-files", "/nonexistent"), "--board-files /nonexistent: no such directory"),
    (("--xilinx", "/nonexistent", "--xilinx-version", "2024.2", "bcnn"), "/nonexistent: no such directory"),
    (("--xilinx", "XILINX", "bcnn"), "needs --xilinx-version"),
    (("--xilinx", "XILINX", "--xilinx-version", "2019.1", "bcnn"), "no Vivado 2019.1 under"),
])
def test_launcher_refuses_bad_arguments_in_one_line(xilinx, args, said):
    args = tuple(str(xilinx) if a == "XILINX" else a for a in args)
    proc = launch("--dry-run", *args)
    assert proc.returncode == 2 and said in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_launcher_mounts_users_and_preloads_libudev_as_finn_does(xilinx, tmp_path):
    """Row 17: Vivado looks the user up (/etc/passwd, /etc/group) and FlexLM needs libudev
    preloaded in a container (FINN's run-docker.sh); the image has libudev1 for it."""
    proc = launch("--dry-run", "--xilinx", str(xilinx), "--xilinx-version", "2024.2", "bcnn", "--help",
                  env={"PLATFORM_REPO_PATHS": str(tmp_path)})
    cmd = shlex.split(proc.stdout)
    volumes = [cmd[i + 1] for i, a in enumerate(cmd) if a == "-v"]
    assert "/etc/passwd:/etc/passwd:ro" in volumes and "/etc/group:/etc/group:ro" in volumes
    assert f"{tmp_path}:{tmp_path}:ro" in volumes
    env = dict(cmd[i + 1].split("=", 1) for i, a in enumerate(cmd) if a == "-e")
    assert env["LD_PRELOAD"] == "/lib/x86_64-linux-gnu/libudev.so.1" and env["PLATFORM_REPO_PATHS"] == str(tmp_path)
    assert "libudev1" in (REPO / "docker" / "Dockerfile").read_text()


@pytest.mark.parametrize("form", ["separate", "joined"])
def test_launcher_mounts_the_board_files_and_passes_them_absolute(tmp_path, form):
    """Row 11: --board-files relative to the host's directory, outside the mounted one: mounted
    read-only at its absolute path, and the command gets that path."""
    boards = tmp_path / "boards"
    (boards / "pynq-z2").mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    given = ["--board-files", "../boards"] if form == "separate" else ["--board-files=../boards"]
    proc = launch("--dry-run", "bcnn", "build", "c.yaml", *given, "--outputs", "bitfile", cwd=work)
    assert proc.returncode == 0, proc.stderr
    cmd = shlex.split(proc.stdout)
    assert f"{boards}:{boards}:ro" in [cmd[i + 1] for i, a in enumerate(cmd) if a == "-v"]
    assert cmd[-6:] == ["build", "c.yaml", "--board-files", str(boards), "--outputs", "bitfile"]


def test_the_image_runs_bcnn_doctor_by_default(tmp_path):
    """`bcnn doctor` is the image's command, and the launcher's without one."""
    assert 'CMD ["bcnn", "doctor"]' in (REPO / "docker" / "Dockerfile").read_text()
    proc = launch("--dry-run", cwd=tmp_path)
    assert proc.returncode == 0 and shlex.split(proc.stdout)[-3:] == ["bcnn-fpga", "bcnn", "doctor"]
