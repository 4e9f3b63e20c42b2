"""What every bcnn RTL op provides to the stitcher."""
from dataclasses import dataclass, field
from pathlib import Path

from hw import source_root

DOMAIN = "build_flows.custom_op"  # the ONNX domain of bcnn's ops (this package)


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
    # A fork or join packs its streams into in_*/out_* (stream 0 in the low bits, one valid and
    # ready bit each); these are the streams' widths, None for one stream of in_bits/out_bits.
    in_widths: list | None = None
    out_widths: list | None = None


def hw_source(relative: str) -> Path:
    return Path(str(source_root())) / relative


def finn_estimates(op, finn_class):
    """FINN+'s own implementation `finn_class` (e.g. MVAU_hls) of the same node: where a bcnn op
    has the architecture of a FINN+ layer, its resources are estimated as FINN+ estimates that
    layer. A separate object over the same ONNX node (so with every attribute FINN+'s class
    declares); none of FINN+'s methods runs on a bcnn op."""
    return finn_class(op.onnx_node)


class BcnnRTLOp:
    """Mixin: `rtl_instance(model, directory, fpgapart)` writes memory files into `directory` and
    returns the instance description (fpgapart: for choices that follow FINN+'s estimates)."""

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        raise NotImplementedError


class LogicOnly:
    """Mixin for a layer of registers and LUTs only (a fork, a join): no memory, no DSP."""

    def bram_estimation(self, fpgapart):
        return 0

    def uram_estimation(self, fpgapart):
        return 0

    def dsp_estimation(self, fpgapart):
        return 0
