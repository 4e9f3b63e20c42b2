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
    board_part: str | None = None  # Zynq: Vivado board part whose preset configures the PS
    platform: str | None = None  # Alveo: the Vitis platform (shell) to link against
    memory: str | None = None  # Alveo: device memory kind for the data movers' ports (DDR, HBM)

    @property
    def ps(self) -> str | None:
        """The processing system of a Zynq board: zynq_7000 (processing_system7) or zynq_us+."""
        if self.shell != "zynq":
            return None
        return "zynq_7000" if self.family == "xc7" else "zynq_us+"


@lru_cache(maxsize=1)
def all_boards() -> dict:
    table = yaml.safe_load(files(__package__).joinpath("boards.yaml").read_text())
    return {name: Board(name=name, **fields) for name, fields in table.items()}


def get_board(name: str) -> Board:
    boards = all_boards()
    if name not in boards:
        raise BcnnError(f"unknown board '{name}'; valid boards: {', '.join(boards)}")
    return boards[name]
