"""Where the user's vendor tools are: an executable on PATH, or in bin/ of the installation a
XILINX_* variable names (what Vivado's settings64.sh sets). Scripts run with those bin/
directories on PATH, so a tool found either way is the one they call."""
import os
import shutil
from pathlib import Path

# tool -> (installation variable, executable)
TOOLS = {"vivado": ("XILINX_VIVADO", "vivado"), "vitis_hls": ("XILINX_HLS", "vitis_hls"), "vitis": ("XILINX_VITIS", "v++")}


def find_tool(name: str) -> Path | None:
    var, exe = TOOLS[name]
    on_path = shutil.which(exe)
    if on_path:
        return Path(on_path)
    root = os.environ.get(var)
    candidate = Path(root) / "bin" / exe if root else None
    if candidate is not None and candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    return None


def why_missing(name: str) -> str:
    """What is wrong, in the user's terms: a variable pointing at no executable, or nothing set."""
    var, exe = TOOLS[name]
    root = os.environ.get(var)
    if root:
        return f"{var}={root} has no executable bin/{exe} and {exe} is not on PATH"
    return f"{exe} is not on PATH and {var} is not set"


def tool_env(names) -> dict:
    """The environment for a generated script: PATH led by the bin/ of each tool found."""
    env = dict(os.environ)
    dirs = [str(path.parent) for path in (find_tool(n) for n in names) if path is not None]
    env["PATH"] = os.pathsep.join([*dict.fromkeys(dirs), env.get("PATH", "")])
    return env
