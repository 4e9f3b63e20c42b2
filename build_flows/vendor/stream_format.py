"""How the accelerator's two streams look from outside: what the IP wrapper, the board driver and
the deployment settings agree on.

A side's beat (analysis/data_movement.py) carries element 0 in the lowest bits (FINN+'s packing),
the data in the low bits of the bus. Before the accelerator, the host applies the graph's
layout nodes (Transpose, Reshape) to the integer pixels; they are recorded here as data so that a
board needs only numpy to apply them."""
import json
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper

from models.errors import BcnnError

from ..analysis.data_movement import bus_bits, dataflow_sides

MAX_DMA_BITS = 1024  # AXI DMA's widest stream
MAX_TRANSFER_BYTES = (1 << 26) - 1  # the Zynq shell's AXI DMA length register (c_sg_length_width 26)
HOST_OPS = ("Transpose", "Reshape", "Flatten")


def host_ops(model: ModelWrapper, until_op: str = "StreamingDataflowPartition") -> list:
    """The nodes before the accelerator, as data; anything but a layout node is an error."""
    ops = []
    for node in model.graph.node:
        if node.op_type == until_op:
            return ops
        if node.op_type == "Transpose":
            ops.append({"op": "Transpose", "perm": [int(p) for p in node.attribute[0].ints]})
        elif node.op_type in ("Reshape", "Flatten"):
            ops.append({"op": "Reshape", "shape": [int(d) for d in model.get_tensor_shape(node.output[0])]})
        else:
            raise BcnnError(f"node {node.name} ({node.op_type}) runs on the host before the accelerator; a board "
                            f"driver applies only {', '.join(HOST_OPS)}: keep the rest inside the dataflow partition")
    raise BcnnError("the model has no StreamingDataflowPartition: build it with the default steps")


def stream_format(model: ModelWrapper, df: ModelWrapper, rtl_dir: Path, batch: int) -> dict:
    """The streams of `model` (the whole graph) whose dataflow partition is `df`, with the port
    widths of the stitched RTL in `rtl_dir` when there is one."""
    fmt = {
        "batch": batch,
        "input_shape": [int(d) for d in model.get_tensor_shape(model.graph.input[0].name)][1:],
        "output_shape": [int(d) for d in model.get_tensor_shape(model.graph.output[0].name)][1:],
        "host_ops": host_ops(model),
        **dataflow_sides(df),
    }
    stitch = Path(rtl_dir) / "stitch.json"
    if stitch.is_file():  # the stitched ports, which FINN+'s layers may pad to whole bytes
        info = json.loads(stitch.read_text())
        output = next(s for s in info["streams"] if s["dst"] is None)
        producer = next(st for st in info["stages"] if st["name"] == output["src"])
        ports = {"input": info["stages"][0]["in_widths"][0], "output": producer["out_widths"][output["src_port"]]}
        for side, width in ports.items():
            fmt[side]["stream_bits"], fmt[side]["bus_bits"] = width, bus_bits(width)
    for side in ("input", "output"):
        if fmt[side]["bus_bits"] > MAX_DMA_BITS:
            raise BcnnError(f"the accelerator's {side} stream is {fmt[side]['stream_bits']} bits a beat; "
                            f"a DMA moves at most {MAX_DMA_BITS}: fold the {side} layer with fewer lanes "
                            "(lower SIMD/PE in the folding file)")
        transfer = batch * fmt[side]["beats_per_frame"] * fmt[side]["bus_bits"] // 8
        if transfer > MAX_TRANSFER_BYTES:
            raise BcnnError(f"--batch {batch}: one DMA transfer of the {side} would be {transfer:,} bytes, more than the "
                            f"AXI DMA moves at once ({MAX_TRANSFER_BYTES:,}); use --batch "
                            f"{MAX_TRANSFER_BYTES // (transfer // batch)} or less")
    return fmt
