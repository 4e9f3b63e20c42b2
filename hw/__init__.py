"""SystemVerilog sources of bcnn-fpga, findable from an installed package."""
from importlib.resources import files


def source_root():
    """Directory holding hw/<module>/<module>.sv."""
    return files(__name__)
