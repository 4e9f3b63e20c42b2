"""Runs a generated vendor script, its output in a log beside it; a failure carries the log and
the first error the tool printed."""
import subprocess
from pathlib import Path

from models.errors import BcnnError

from .tools import tool_env


class ScriptFailed(BcnnError):
    def __init__(self, command: list, returncode: int, log: Path):
        self.log = Path(log)
        self.first_error = first_error(self.log)
        super().__init__(f"{' '.join(map(str, command))} failed (exit {returncode}): {self.first_error}; see {log}")


def first_error(log: Path) -> str:
    """The first line a Vivado/Vitis tool or a shell script printed as an error."""
    try:
        lines = Path(log).read_text(errors="replace").splitlines()
    except OSError:
        return "no log written"
    for line in lines:
        if line.startswith(("ERROR:", "error:", "Error:")) or ": error:" in line:
            return line.strip()
    return lines[-1].strip() if lines else "no output"


def run_script(command: list, cwd: Path, log: Path, tools=("vivado",)) -> None:
    with open(log, "w") as out:
        proc = subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=tool_env(tools))
    if proc.returncode != 0:
        raise ScriptFailed(command, proc.returncode, log)
