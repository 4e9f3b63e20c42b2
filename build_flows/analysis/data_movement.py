"""What the board's data movement allows, beside the pipeline's own rate: the DESIGN's FPS is the
smaller of the two.

Zynq: the AXI DMA reads the input and writes the output through one HP port of the PS, whose
data width is fixed (64 bits on Zynq-7000, UG585; 128 on Zynq UltraScale+ S_AXI_HP*_FPD,
UG1085) and which runs on the accelerator's PL clock in our shell; reads and writes use separate
AXI channels. Each stream side also moves at most one bus beat (the DMA's stream width) per
cycle. Alveo: the data movers move one bus beat per cycle from device memory."""
import math

HP_PORT_BITS = {"zynq_7000": 64, "zynq_us+": 128}


def data_movement(fmt: dict, ps: str | None, clock_mhz: float) -> dict:
    """Cycles per frame the data movement needs at least, and the FPS that bounds."""
    sides = {}
    for side in ("input", "output"):
        s = fmt[side]
        beats = s["beats_per_frame"]
        if ps is None:  # Alveo data movers
            sides[side] = beats
        else:
            port_bytes = HP_PORT_BITS[ps] // 8
            sides[side] = max(beats, math.ceil(beats * s["bus_bits"] // 8 / port_bytes))
    cycles = max(sides.values())
    where = ("the data movers (one bus beat per cycle)" if ps is None
             else f"the AXI DMA through a {HP_PORT_BITS[ps]}-bit HP port")
    return {"cycles_per_frame": cycles, "input_cycles": sides["input"], "output_cycles": sides["output"],
            "fps": clock_mhz * 1e6 / cycles, "by": where}
