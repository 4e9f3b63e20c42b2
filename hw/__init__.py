"""SystemVerilog sources of bcnn-fpga, findable from an installed package, and the Python side of
their interfaces (parameter literals here, memory-file layouts in hw.memfiles)."""
from importlib.resources import files


def source_root():
    """Directory holding hw/<module>/<module>.sv."""
    return files(__name__)


class PackedBits(int):
    """A packed vector of constants of a declared width (a parameter such as bcnn_label_select's
    OFFSETS), written at exactly that width: a literal narrower than its parameter is a width
    warning."""

    def __new__(cls, value: int, width: int):
        packed = super().__new__(cls, value)
        packed.width = width
        return packed

    def __getnewargs__(self):  # copies and pickles keep the width
        return int(self), self.width


def sv_literal(value) -> str:
    """A parameter value as SystemVerilog source: strings quoted, bools and ints as integers; a
    non-negative int wider than 31 bits (a packed vector of constants) as a sized hex literal,
    since an unsized literal is only 32 bits wide."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, PackedBits):
        return f"{value.width}'h{int(value):x}"
    if int(value) >= 1 << 31:
        return f"{int(value).bit_length()}'h{int(value):x}"
    return str(int(value))
