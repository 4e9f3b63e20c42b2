"""What every bcnn RTL op provides to the stitcher."""
from dataclasses import dataclass, field
from pathlib import Path

from hw import source_root


@dataclass
class RtlInstance:
    """One module instance in the stitched top: AXI-Stream ports `in_*`/`out_*`, clock `clk`,
    active-low reset `rst_n` (the hw/ convention)."""

    module: str
    sources: list
    params: dict
    in_bits: int
    out_bits: int
    memory_files: list = field(default_factory=list)  # paths copied next to the simulation


def hw_source(relative: str) -> Path:
    return Path(str(source_root())) / relative


class BcnnRTLOp:
    """Mixin: `rtl_instance(model, directory, fpgapart)` writes memory files into `directory` and
    returns the instance description (fpgapart: for choices that follow FINN+'s estimates)."""

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        raise NotImplementedError
