"""`bcnn`, the command line: the click group and its error handling (commands.py), the sweep
commands (sweep.py) and the demo job (demo.py). `bcnn = build_flows.cli:main`."""
from .commands import main

__all__ = ["main"]
