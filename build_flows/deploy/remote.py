"""`bcnn deploy`: copy a build's deployment package to a board over ssh (PYNQ images ship an ssh
server; the default user is xilinx and notebooks live under ~/jupyter_notebooks)."""
import re
import shlex
import subprocess
from pathlib import Path

from models.errors import BcnnError

DEFAULT_DEST = "/home/xilinx/jupyter_notebooks/bcnn"
HOST = re.compile(r"^(?:[A-Za-z0-9_][A-Za-z0-9._-]*@)?[A-Za-z0-9_][A-Za-z0-9._-]*$")  # no leading "-": not an ssh option


def board_folder(build_dir: Path, dest: str | None = None) -> str:
    return f"{(dest or DEFAULT_DEST).rstrip('/')}/{Path(build_dir).resolve().name}"


def deploy_commands(build_dir: Path, host: str, dest: str | None = None, port: int = 22) -> list:
    """The ssh and scp commands that put build_dir/deploy/ at DEST/<build name>/ on `host`."""
    build_dir = Path(build_dir)
    deploy = build_dir / "deploy"
    if not (deploy / "settings.json").is_file():
        raise BcnnError(f"{build_dir}: no deployment package (deploy/settings.json); build with --outputs ...,deploy")
    if not HOST.match(host):
        raise BcnnError(f"--host {host!r}: expected USER@BOARD or BOARD (a host name or address), e.g. xilinx@192.168.2.99")
    if not 0 < port < 65536:
        raise BcnnError(f"--port {port}: expected 1-65535")
    target = board_folder(build_dir, dest)
    return [
        ["ssh", "-p", str(port), host, f"mkdir -p {shlex.quote(target)}"],
        ["scp", "-P", str(port), "-r", "-q", *sorted(str(p) for p in deploy.iterdir()), f"{host}:{target}/"],
    ]


def run_commands(commands: list) -> None:
    for command in commands:
        proc = subprocess.run(command)
        if proc.returncode != 0:
            raise BcnnError(f"{shlex.join(command)} failed (exit {proc.returncode}); is the board reachable "
                            "and your ssh key installed (ssh-copy-id)?")
