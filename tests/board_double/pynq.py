"""A stand-in for the pynq package of a PYNQ board, for testing the board driver without a board:
the overlay's AXI DMA moves bytes through the accelerator IP simulated in Verilator
(tests/ip_sim.py). The driver (build_flows/runtime/backend_pynq.py) runs unchanged against it.

Like an AXI DMA in simple mode, a receive transfer ends at the accelerator's TLAST: a TLAST
before the buffer is full (or none at its end) is an error here, as it would lose data on a board."""
from pathlib import Path

import numpy as np

from tests.ip_sim import run_ip


class Device:
    devices = ["simulated FPGA"]


class PynqBuffer(np.ndarray):
    """pynq.allocate's buffer: a numpy array with cache syncs (no-ops in simulation)."""

    def sync_to_device(self):
        pass

    def sync_from_device(self):
        pass


def allocate(shape, dtype):
    return np.zeros(shape, dtype).view(PynqBuffer)


class _Channel:
    def __init__(self, dma, receive: bool):
        self.dma, self.receive, self.buffer = dma, receive, None

    def transfer(self, buffer):
        self.buffer = buffer

    def wait(self):
        if self.receive:
            self.dma.run()


class _DMA:
    def __init__(self, build: Path, workdir: Path):
        self.build, self.workdir, self.transfers = build, workdir, 0
        self.sendchannel, self.recvchannel = _Channel(self, False), _Channel(self, True)

    def run(self):
        out = self.recvchannel.buffer
        tlast, data = run_ip(self.build, self.workdir, np.asarray(self.sendchannel.buffer), len(out))
        if tlast.tolist() != [False] * (len(out) - 1) + [True]:
            raise RuntimeError(f"TLAST at beats {np.flatnonzero(tlast).tolist()} of a {len(out)}-beat transfer")
        out[:] = data
        self.transfers += 1


class Overlay:
    def __init__(self, bitfile: str):
        deploy = Path(bitfile).parent
        self.dma = _DMA(deploy.parent, deploy.parent / "board_double")
