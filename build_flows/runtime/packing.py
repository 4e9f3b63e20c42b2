"""Frames <-> the bytes a DMA moves, from the settings alone (numpy only: this file ships to the
board in deploy/bcnn_driver/).

A beat holds `elems_per_beat` element codes of `bits` each, element 0 in the lowest bits, widened
to `bus_bits` (whole bytes, little-endian). Bipolar values {-1, +1} travel as codes {0, 1}."""
from __future__ import annotations

import numpy as np


def to_codes(values: np.ndarray, side: dict) -> np.ndarray:
    values = np.asarray(values)
    if side["bipolar"]:
        return (values > 0).astype(np.int64)
    return np.rint(values).astype(np.int64)


def from_codes(codes: np.ndarray, side: dict) -> np.ndarray:
    codes = np.asarray(codes, dtype=np.int64)
    return 2 * codes - 1 if side["bipolar"] else codes


def pack(values: np.ndarray, side: dict) -> np.ndarray:
    """(frames, ...) values -> (frames * beats_per_frame, bus_bits / 8) uint8."""
    bits, elems = side["bits"], side["elems_per_beat"]
    codes = to_codes(values, side).reshape(-1, elems) & ((1 << bits) - 1)
    lanes = (codes[:, :, None] >> np.arange(bits)) & 1  # (beats, elems, bits), LSB first
    flat = lanes.reshape(len(codes), elems * bits).astype(np.uint8)
    flat = np.pad(flat, ((0, 0), (0, side["bus_bits"] - elems * bits)))
    return np.packbits(flat, axis=1, bitorder="little")


def unpack(data: np.ndarray, side: dict, frames: int) -> np.ndarray:
    """(frames * beats_per_frame, bus_bits / 8) uint8 -> (frames, beats_per_frame * elems) values."""
    bits, elems = side["bits"], side["elems_per_beat"]
    data = np.asarray(data, dtype=np.uint8).reshape(frames * side["beats_per_frame"], -1)
    flat = np.unpackbits(data, axis=1, bitorder="little")[:, : elems * bits]
    lanes = flat.reshape(len(data), elems, bits).astype(np.int64)
    codes = (lanes << np.arange(bits)).sum(axis=2)
    if side["signed"] and not side["bipolar"]:
        codes -= lanes[:, :, -1] << bits
    return from_codes(codes, side).reshape(frames, -1)


def apply_host_ops(pixels: np.ndarray, ops: list) -> np.ndarray:
    """(N, *input shape) integer pixels -> (N, ...) the accelerator's input: the layout nodes that
    run before it in the graph (settings["host_ops"], perms including the batch axis)."""
    x = np.asarray(pixels)
    for op in ops:
        x = x.transpose(op["perm"]) if op["op"] == "Transpose" else x.reshape((len(x), *op["shape"][1:]))
    return x
