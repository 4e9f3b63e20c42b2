"""Stitch a specialized dataflow model into a self-contained RTL directory.

rtl/ receives every source the accelerator needs (hw/ modules, finn-rtllib files, FINN+'s
generated wrappers), every memory file, the generated bcnn_core.sv and bcnn_top.sv (top_source.py),
and stitch.json: sources in compile order, stages, FIFO depths, probe layout. Every path in it is
a file name inside rtl/, so a build that is moved or copied simulates and synthesizes its own
sources; memory files are read relative to the working directory, as FPGA tools do."""
import filecmp
import json
import re
import shutil

from dataclasses import asdict
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from build_flows.custom_op.base import BcnnRTLOp, hw_source
from models.errors import BcnnError, InternalError

from .fifo_plan import plan_fifos, port_widths
from .top_source import FIFO_COUNT_BITS, Stage, core_source, probe_offsets, top_source

DEFAULT_FIFO_DEPTH = 32
FINN_RTL_DOMAIN = "finn.custom_op.fpgadataflow.rtl"
SHARED_SOURCES = [hw_source("fifo/bcnn_fifo.sv"), hw_source("check/bcnn_axis_check.sv")]


class SourceCollector:
    """Copies sources into the rtl directory once each; two different files of one name are an error."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.order = []

    def add(self, path: Path) -> str:
        path = Path(path)
        target = self.directory / path.name
        if path.name in self.order:
            if not filecmp.cmp(path, target, shallow=False):
                raise BcnnError(f"two different RTL sources are named {path.name} ({path}); cannot stitch them")
            return path.name
        if path.resolve() != target.resolve():
            shutil.copyfile(path, target)
        self.order.append(path.name)
        return path.name


def control_ports(wrapper: Path, direction: str) -> list:
    """`direction` ("input", "output") ports of a FINN+ wrapper's AXI-Lite configuration interface
    (e.g. FMPadding_rtl's runtime-writable dimensions). The stitched core ties the inputs to 0, so
    the layer keeps the configuration it was generated with (left open, they float and rewrite it
    at random), and leaves the outputs open."""
    if not wrapper.is_file():
        return []
    return re.findall(rf"^\s*{direction}\s+(?:wire\s+)?(?:\[[^\]]*\]\s*)?(s_axilite_\w+)", wrapper.read_text(), re.M)


def finn_rtl_stage(node, inst, sources: SourceCollector) -> Stage:
    code_dir = Path(inst.get_nodeattr("code_gen_dir_ipgen"))
    memories = []
    for dat in sorted(code_dir.glob("*.dat")):  # memories, read relative to the working directory
        memories.append(sources.add(dat))
    files = [sources.add(p) for p in inst.get_rtl_file_list(abspath=True)]
    in_bits, out_bits = inst.get_instream_width_padded(), inst.get_outstream_width_padded()
    top = inst.get_nodeattr("gen_top_module")
    return Stage(node.name, node.op_type, top, {}, in_bits, out_bits, True, files, memories, [in_bits], [out_bits],
                 control_ports(code_dir / f"{top}.v", "input"), control_ports(code_dir / f"{top}.v", "output"))


def bcnn_stage(node, inst: BcnnRTLOp, model, sources: SourceCollector, fpgapart: str) -> Stage:
    ri = inst.rtl_instance(model, sources.directory, fpgapart)
    files = [sources.add(p) for p in ri.sources]
    return Stage(node.name, node.op_type, ri.module, ri.params, ri.in_bits, ri.out_bits, False, files,
                 [Path(p).name for p in ri.memory_files], ri.in_widths or [ri.in_bits], ri.out_widths or [ri.out_bits])


def stitch(df: ModelWrapper, directory: Path, fpgapart: str, fifo_depth: int = DEFAULT_FIFO_DEPTH,
           depth_overrides: dict | None = None, uram: int = 0) -> dict:
    """Write the self-contained rtl directory and return stitch.json's content. `depth_overrides`:
    FIFO name (producer->consumer) -> depth, replacing the default or computed one (e.g. to show
    that a shortcut one entry smaller deadlocks); `uram`: the part's UltraRAMs, which take the
    FIFOs that would take block RAM (fifo_plan.place_in_ultra_ram)."""
    directory = Path(directory)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    sources = SourceCollector(directory)
    for path in SHARED_SOURCES:
        sources.add(path)
    stages = []
    for node in df.graph.node:
        inst = getCustomOp(node)
        if isinstance(inst, BcnnRTLOp):
            stages.append(bcnn_stage(node, inst, df, sources, fpgapart))
        elif node.domain == FINN_RTL_DOMAIN:
            stages.append(finn_rtl_stage(node, inst, sources))
        else:
            raise BcnnError(f"layer '{node.name}' ({node.op_type}) has no RTL implementation yet; "
                            "the RTL backend covers MVAU, thresholding, max pool, label select, stream forks "
                            "adding joins and channel concatenations, and FINN+'s RTL layers (sliding window, padding, width conversion)")
    widths = [port_widths(df, n) for n in df.graph.node]
    for stage, (ins, outs) in zip(stages, widths):
        if (stage.in_widths, stage.out_widths) != (ins, outs):
            raise InternalError(f"layer '{stage.name}': its RTL has streams of {stage.in_widths} in, "
                                f"{stage.out_widths} out; the FIFO plan assumed {ins}, {outs}")
    streams, shortcuts = plan_fifos(df, fifo_depth, depth_overrides, widths, uram)
    names = [s.name for s in stages]
    fifos = [s for s in streams if s.dst is not None]
    fifo_names = [f"{names[s.src]}->{names[s.dst]}" for s in fifos]
    (directory / "bcnn_core.sv").write_text(core_source(stages, streams))
    (directory / "bcnn_top.sv").write_text(top_source(stages, streams))
    memories = {m for s in stages for m in s.memory_files}
    info = {
        "top": "bcnn_top", "core": "bcnn_core",
        "sources": [s for s in sources.order if s not in memories] + ["bcnn_core.sv", "bcnn_top.sv"],
        "memory_files": sorted(memories),
        "fifo_depths": [s.depth for s in fifos], "fifo_count_bits": FIFO_COUNT_BITS,
        "fifo_names": fifo_names,
        "probe_words": [s.probe_words for s in streams], "probe_offsets": probe_offsets(streams),
        # tensor names are FINN+'s random ones: left out, so equal designs give equal files
        "streams": [{**{k: v for k, v in asdict(s).items() if k != "tensor"}, "src": names[s.src],
                     "dst": names[s.dst] if s.dst is not None else None} for s in streams],
        "shortcuts": shortcuts,
        "shortcut_fifo_bits": sum(s.depth * s.width for s in fifos if s.shortcut),
        "stages": [asdict(s) for s in stages],
    }
    (directory / "stitch.json").write_text(json.dumps(info, indent=2))
    return info
