"""What the board's data movement allows, beside the pipeline's own rate: the DESIGN's FPS is the
smaller of the two.

Zynq: the AXI DMA reads the input and writes the output through one HP port of the PS, whose
data width is fixed (64 bits on Zynq-7000, UG585; 128 on Zynq UltraScale+ S_AXI_HP*_FPD,
UG1085) and which runs on the accelerator's PL clock in our shell; reads and writes use separate
AXI channels. Each stream side also moves at most one bus beat (the DMA's stream width) per
cycle. Alveo: the data movers move one bus beat per cycle from device memory.

A stream side: a beat carries `elems_per_beat` elements of `bits` each; on the bus the beat is
widened to `bus_bits`, a power of two of at least 8 bits (what an AXI DMA can move)."""
import math
from math import prod

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

HP_PORT_BITS = {"zynq_7000": 64, "zynq_us+": 128}


def bus_bits(bits: int) -> int:
    return max(8, 1 << (bits - 1).bit_length())


def stream_side(port_shape, dt, bits_on_stream: int) -> dict:
    return {"datatype": dt.name, "bits": dt.bitwidth(), "signed": bool(dt.signed()),
            "bipolar": dt.name == "BIPOLAR", "elems_per_beat": int(port_shape[-1]),
            "beats_per_frame": int(prod(port_shape[:-1])), "stream_bits": bits_on_stream,
            "bus_bits": bus_bits(bits_on_stream)}


def dataflow_sides(df: ModelWrapper) -> dict:
    """The input and output streams of the dataflow partition `df`, as its first and last layer fold them."""
    first, last = getCustomOp(df.graph.node[0]), getCustomOp(df.graph.node[-1])
    in_shape, out_shape = first.get_folded_input_shape(), last.get_folded_output_shape()
    in_dt, out_dt = first.get_input_datatype(), last.get_output_datatype()
    return {"input": stream_side(in_shape, in_dt, int(in_shape[-1]) * in_dt.bitwidth()),
            "output": stream_side(out_shape, out_dt, int(out_shape[-1]) * out_dt.bitwidth())}


def data_movement(fmt: dict, ps: str | None, clock_mhz: float) -> dict:
    """Cycles per frame the data movement needs at least, and the FPS that bounds. `port_cycles`:
    the HP port's share alone (None on Alveo), which no faster pipeline can lower; the rest of the
    bound, a beat per cycle on each stream, the end layers' own cycles already count."""
    sides, port = {}, {}
    for side in ("input", "output"):
        s = fmt[side]
        beats = s["beats_per_frame"]
        if ps is not None:
            port[side] = math.ceil(beats * s["bus_bits"] / HP_PORT_BITS[ps])
        sides[side] = max(beats, port.get(side, 0))
    cycles = max(sides.values())
    where = ("the data movers (one bus beat per cycle)" if ps is None
             else f"the AXI DMA through a {HP_PORT_BITS[ps]}-bit HP port")
    return {"cycles_per_frame": cycles, "input_cycles": sides["input"], "output_cycles": sides["output"],
            "port_cycles": max(port.values()) if port else None, "fps": clock_mhz * 1e6 / cycles, "by": where}


def board_fps(pipeline_fps: float | None, moving: dict | None) -> tuple:
    """(FPS on the board, whether the data movement bounds it): the smaller of the pipeline's rate
    and the data movement's (`moving`, data_movement()'s result; None for builds made before it)."""
    if pipeline_fps is None or not moving or moving["fps"] >= pipeline_fps:
        return pipeline_fps, False
    return moving["fps"], True


def port_floor_cycles(sides: dict, ps: str | None) -> int:
    """The fewest cycles per frame the data movement takes at any folding of the end layers: each
    side's frame through the HP port at full width (Alveo: one cycle)."""
    if ps is None:
        return 1
    return max(math.ceil(s["beats_per_frame"] * s["elems_per_beat"] * s["bits"] / HP_PORT_BITS[ps])
               for s in sides.values())
