"""Datatypes the layers and the passes derive alike."""
from qonnx.core.datatype import DataType


def sum_datatype(dt: DataType, terms: int) -> DataType:
    """The datatype of a sum of `terms` values of `dt` (float stays float)."""
    if not dt.is_integer():
        return DataType["FLOAT32"]
    low, high = int(terms * dt.min()), int(terms * dt.max())
    if low < 0:  # both ends: [-9, 9] (nine +-1 values) needs INT5, not the UINT4 that holds 9
        return DataType[f"INT{max((-low - 1).bit_length(), high.bit_length()) + 1}"]
    return DataType.get_smallest_possible(high)
