"""The board backend: the deployed bitstream driven through PYNQ (runs on the board; needs only
numpy and the pynq package of the board's image).

Zynq: bcnn.bit + bcnn.hwh with an AXI DMA named `dma` (vivado/zynq_shell.tcl), PYNQ's own DMA
driver. Alveo: bcnn.xclbin with the data movers idma_0 / odma_0 (vitis/link.cfg), called as PYNQ
calls an XRT kernel, each buffer in the bank its mover's AXI master is linked to (link.cfg sp=),
as PYNQ reads it from the xclbin. Alveo needs PYNQ 3.0.x: 3.1 dropped Alveo support.

Frames go in batches of settings["batch"]: the accelerator ends each output packet after one
batch (its TLAST), so a short last batch is padded with zero frames whose outputs are dropped."""
from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pynq

from .packing import apply_host_ops, pack, unpack

LAST_ALVEO_PYNQ = (3, 0)  # PYNQ 3.1 removed the Alveo (XRT) device support


def on_board() -> bool:
    try:
        return len(pynq.Device.devices) > 0
    except Exception:  # pynq without an FPGA device (a workstation): not a board
        return False


def pynq_version() -> tuple:
    return tuple(int(p) for p in re.findall(r"\d+", getattr(pynq, "__version__", "0"))[:2])


class PynqBackend:
    name = "pynq"

    def __init__(self, deploy: Path, settings: dict):
        self.settings = settings
        self.alveo = settings["shell"] == "alveo"
        if self.alveo and pynq_version() > LAST_ALVEO_PYNQ:
            raise RuntimeError(f"pynq {pynq.__version__} has no Alveo support (dropped in 3.1): "
                               "pip install pynq==3.0.1 on this host")
        bitfile = Path(deploy) / ("bcnn.xclbin" if self.alveo else "bcnn.bit")
        if not bitfile.is_file():
            raise FileNotFoundError(f"{bitfile}: not in the deployment package; build with --outputs bitfile,deploy "
                                    "(a bitstream that failed timing is not deployed: see settings.json 'timing')")
        self.overlay = pynq.Overlay(str(bitfile))
        batch, i, o = settings["batch"], settings["input"], settings["output"]
        in_shape = (batch * i["beats_per_frame"], i["bus_bits"] // 8)
        out_shape = (batch * o["beats_per_frame"], o["bus_bits"] // 8)
        if self.alveo:
            self.in_buf = pynq.allocate(shape=in_shape, dtype=np.uint8, target=self._bank("idma_0", "in"))
            self.out_buf = pynq.allocate(shape=out_shape, dtype=np.uint8, target=self._bank("odma_0", "out"))
        else:
            self.in_buf = pynq.allocate(shape=in_shape, dtype=np.uint8)
            self.out_buf = pynq.allocate(shape=out_shape, dtype=np.uint8)

    def _bank(self, kernel: str, argument: str):
        """The device memory a data mover's buffer argument is linked to, e.g. overlay.DDR1 for DDR[1]."""
        tag = self.overlay.ip_dict[kernel]["registers"][argument]["memory"]
        return getattr(self.overlay, re.sub("[^A-Za-z0-9_]", "", tag))

    def _batch(self) -> None:
        self.in_buf.sync_to_device()
        if self.alveo:
            out = self.overlay.odma_0.start(self.out_buf, len(self.out_buf))
            self.overlay.idma_0.call(self.in_buf, len(self.in_buf))
            out.wait()
        else:
            dma = self.overlay.dma
            dma.recvchannel.transfer(self.out_buf)
            dma.sendchannel.transfer(self.in_buf)
            dma.sendchannel.wait()
            dma.recvchannel.wait()
        self.out_buf.sync_from_device()

    def execute(self, pixels: np.ndarray) -> tuple:
        s, batch = self.settings, self.settings["batch"]
        frames = apply_host_ops(pixels, s["host_ops"])
        outputs, seconds = [], 0.0
        for at in range(0, len(frames), batch):
            chunk = frames[at:at + batch]
            padded = np.concatenate([chunk, np.zeros((batch - len(chunk), *chunk.shape[1:]), chunk.dtype)])
            self.in_buf[:] = pack(padded, s["input"])
            start = time.perf_counter()
            self._batch()
            seconds += time.perf_counter() - start
            outputs.append(unpack(np.array(self.out_buf), s["output"], batch)[:len(chunk)])
        batches = -(-len(frames) // batch)
        timing = {"fps": batches * batch / seconds, "latency_ms": 1e3 * seconds / batches,
                  "source": f"board, {batches} DMA transfer(s) of {batch} frame(s) (latency: one transfer)"}
        return np.concatenate(outputs), timing
