"""Runs a generated vendor script, its output in a log beside it; a failure names the log."""
import subprocess
from pathlib import Path

from models.errors import BcnnError


def run_script(command: list, cwd: Path, log: Path) -> None:
    with open(log, "w") as out:
        proc = subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise BcnnError(f"{' '.join(map(str, command))} failed (exit {proc.returncode}); see {log}")
