"""SystemVerilog sources of bcnn-fpga, findable from an installed package, and the Python side of
their interfaces (parameter literals here, memory-file layouts in hw.memfiles)."""
from importlib.resources import files


def source_root():
    """Directory holding hw/<module>/<module>.sv."""
    return files(__name__)


def sv_literal(value) -> str:
    """A parameter value as SystemVerilog source: strings quoted, bools and ints as integers; a
    non-negative int wider than 31 bits (a packed vector of constants) as a sized hex literal,
    since an unsized literal is only 32 bits wide."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "1" if value else "0"
    if int(value) >= 1 << 31:
        return f"{int(value).bit_length()}'h{int(value):x}"
    return str(int(value))
