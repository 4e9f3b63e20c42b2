"""What one bcnn_fifo (hw/fifo) costs once Yosys' synth_xilinx has mapped it, for the estimates
and the block RAM budget: the FIFOs between layers are not FINN+ layers, so FINN+'s estimates
never counted them (DGRL's ResNet-20: 286 BRAM18 estimated, 479 synthesized, 209 of them FIFOs).

Yosys puts the FIFO's memory in LUT RAM or block RAM by cost (memory_libmap with the family's
library, share/xilinx/*.txt: a dual-port LUT RAM unit of 256 bits costs 16, a RAMB18 129): LUT
RAM while its units cost at most about 4/3 of the block RAM it would take, which places the
switch where the synthesized FIFOs show it (8 bits: 312 words in LUT RAM, 406 in a BRAM18;
1 bit: 2,048 in LUT RAM, 3,000 in a BRAM18). Block RAM takes the cheapest aspect ratio of
RAMB18 or RAMB36 (9 x 32,768 words: 16 BRAM18). The LUTs are fitted to the synthesized
configurations on UltraScale+ and 7-series (tests/test_fifo_cost.py checks the model against
Yosys)."""
import math
from dataclasses import dataclass

from hw.memfiles import block_ram_18k

LUTRAM_UNITS = ((32, 8), (64, 4), (128, 2), (256, 1))  # memory_libmap's dual-port LUT RAM shapes
LUTRAM_UNIT_COST, BRAM18_COST = 16, 129
LUTRAM_SLACK = 4 / 3  # how much dearer than block RAM LUT RAM may be and still be chosen (fitted)


URAM_WORDS, URAM_WIDTH, URAM_LANE = 4096, 72, 9  # URAM288: 4,096 x 72 bits, written in 9-bit lanes


@dataclass(frozen=True)
class FifoCost:
    lut: int  # logic and LUT RAM together, as synth.json's lut_total
    lutram: int
    bram_18k: int
    uram: int = 0


def lutram_units(width: int, depth: int) -> int:
    return min(math.ceil(depth / d) * math.ceil(width / w) for d, w in LUTRAM_UNITS)


# family -> (LUTs, bits) of its 32-word and its 64-word LUT RAM primitive (UltraScale+: RAM32M16,
# RAM64M8; 7-series: RAM32M, RAM64M); a deeper memory puts 64-word ones side by side (fitted)
LUTRAM_PRIMITIVES = {"xcup": ((8, 14), (8, 7)), "xcu": ((8, 14), (8, 7)), "xc7": ((4, 6), (4, 3))}


def lutram_luts(width: int, depth: int, family: str) -> int:
    (luts32, bits32), (luts64, bits64) = LUTRAM_PRIMITIVES[family]
    if depth <= 32:
        return luts32 * math.ceil(width / bits32)
    return luts64 * math.ceil(depth / 64) * math.ceil(width / bits64)


def control_luts(depth: int, in_block_ram: bool) -> int:
    """Pointers, count and flags (fitted): a pointer that wraps below a power of two compares."""
    bits = max(1, math.ceil(math.log2(depth)))
    wraps = depth & (depth - 1) != 0
    return 4 * bits - 2 + (10 if wraps else 0) + (10 if in_block_ram else 0)


def ultra_ram(width: int, depth: int) -> int:
    """URAM288 of a FIFO: words narrower than the URAM share its 72-bit rows in whole 9-bit lanes
    (Yosys maps 9 x 32,768 and 1 x 16,384 words to one, 144 x 2,048 to two)."""
    if width > URAM_WIDTH:
        return math.ceil(width / URAM_WIDTH) * math.ceil(depth / URAM_WORDS)
    per_row = URAM_WIDTH // (URAM_LANE * math.ceil(width / URAM_LANE))
    return math.ceil(depth / (URAM_WORDS * per_row))


def in_lut_ram(width: int, depth: int) -> bool:
    """Where Yosys puts a FIFO's memory left to itself (ram_style auto)."""
    return depth <= 64 or (LUTRAM_UNIT_COST * lutram_units(width, depth)
                           <= LUTRAM_SLACK * BRAM18_COST * block_ram_18k(width, depth))


def fifo_cost(width: int, depth: int, family: str, ram_style: str = "auto") -> FifoCost:
    """`ram_style`: the FIFO's (bcnn_fifo RAM_STYLE): auto, block or ultra."""
    if depth < 2:
        return FifoCost(control_luts(2, False), 0, 0)
    if ram_style == "ultra":
        return FifoCost(control_luts(depth, True), 0, 0, ultra_ram(width, depth))
    if ram_style == "auto" and in_lut_ram(width, depth):
        lutram = lutram_luts(width, depth, family)
        return FifoCost(control_luts(depth, False) + lutram, lutram, 0)
    return FifoCost(control_luts(depth, True), 0, block_ram_18k(width, depth))
