"""Stitch a specialized dataflow model into a self-contained RTL directory.

rtl/ receives every source the accelerator needs (hw/ modules, finn-rtllib files, FINN+'s
generated wrappers), every memory file, the generated bcnn_core.sv and bcnn_top.sv (top_source.py),
and stitch.json: sources in compile order, stages, FIFO depths, probe layout. Every path in it is
a file name inside rtl/, so a build that is moved or copied simulates and synthesizes its own
sources; memory files are read relative to the working directory, as FPGA tools do."""
import filecmp
import json
import shutil
from dataclasses import asdict
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from build_flows.custom_op.base import BcnnRTLOp, hw_source
from models.errors import BcnnError

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


def finn_rtl_stage(node, inst, sources: SourceCollector) -> Stage:
    code_dir = Path(inst.get_nodeattr("code_gen_dir_ipgen"))
    memories = []
    for dat in sorted(code_dir.glob("*.dat")):  # memories, read relative to the working directory
        memories.append(sources.add(dat))
    files = [sources.add(p) for p in inst.get_rtl_file_list(abspath=True)]
    return Stage(node.name, node.op_type, inst.get_nodeattr("gen_top_module"), {},
                 inst.get_instream_width_padded(), inst.get_outstream_width_padded(), True, files, memories)


def bcnn_stage(node, inst: BcnnRTLOp, model, sources: SourceCollector, fpgapart: str) -> Stage:
    ri = inst.rtl_instance(model, sources.directory, fpgapart)
    files = [sources.add(p) for p in ri.sources]
    return Stage(node.name, node.op_type, ri.module, ri.params, ri.in_bits, ri.out_bits, False, files,
                 [Path(p).name for p in ri.memory_files])


def vector_beats(consumer) -> int:
    """Beats of one input vector of a matrix-vector unit that replays it over several neuron folds.

    Such a unit reads its input only during the first fold; a FIFO that can hold a whole vector lets
    the producer deliver the next vector meanwhile, otherwise both stall in turn (measured: SFC at
    PE=SIMD=1 ran at 1.86x its analytic cycles with 32-deep FIFOs)."""
    attrs = consumer.get_nodeattr_types()
    if not all(a in attrs for a in ("MW", "MH", "PE", "SIMD")):
        return 0
    neuron_folds = consumer.get_nodeattr("MH") // consumer.get_nodeattr("PE")
    return consumer.get_nodeattr("MW") // consumer.get_nodeattr("SIMD") if neuron_folds > 1 else 0


def stitch(df: ModelWrapper, directory: Path, fpgapart: str, fifo_depth: int = DEFAULT_FIFO_DEPTH) -> dict:
    """Write the self-contained rtl directory and return stitch.json's content."""
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
                            "the RTL backend covers MVAU, thresholding, max pool, label select and FINN+'s "
                            "RTL layers (sliding window, padding, width conversion)")
    depths = [max(fifo_depth, vector_beats(getCustomOp(node))) for node in list(df.graph.node)[1:]]
    (directory / "bcnn_core.sv").write_text(core_source(stages, depths))
    (directory / "bcnn_top.sv").write_text(top_source(stages))
    memories = {m for s in stages for m in s.memory_files}
    info = {
        "top": "bcnn_top", "core": "bcnn_core",
        "sources": [s for s in sources.order if s not in memories] + ["bcnn_core.sv", "bcnn_top.sv"],
        "memory_files": sorted(memories),
        "fifo_depths": depths, "fifo_count_bits": FIFO_COUNT_BITS,
        "probe_words": [s.probe_words for s in stages], "probe_offsets": probe_offsets(stages),
        "stages": [asdict(s) for s in stages],
    }
    (directory / "stitch.json").write_text(json.dumps(info, indent=2))
    return info
