"""Boards are data (boards.yaml), not code branches."""
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import yaml

from models.errors import BcnnError


@dataclass(frozen=True)
class Board:
    name: str
    part: str
    family: str  # Yosys synth_xilinx -family
    shell: str
    lut: int
    bram_18k: int
    uram: int
    dsp: int
    default_clock_ns: float


@lru_cache(maxsize=1)
def all_boards() -> dict:
    table = yaml.safe_load(files(__package__).joinpath("boards.yaml").read_text())
    return {name: Board(name=name, **fields) for name, fields in table.items()}


def get_board(name: str) -> Board:
    boards = all_boards()
    if name not in boards:
        raise BcnnError(f"unknown board '{name}'; valid boards: {', '.join(boards)}")
    return boards[name]
