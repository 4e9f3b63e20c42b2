"""The board backend: the deployed bitstream driven through PYNQ (runs on the board; needs only
numpy and the pynq package of the board's image).

Zynq: bcnn.bit + bcnn.hwh with an AXI DMA named `dma` (vivado/zynq_shell.tcl); Alveo:
bcnn.xclbin with data movers idma_0 / odma_0 (vitis/link.cfg). Frames go in batches of
settings["batch"]: the accelerator ends each output packet after one batch (its TLAST), so a
short last batch is padded with zero frames whose outputs are dropped."""
import time
from pathlib import Path

import numpy as np
import pynq

from .packing import apply_host_ops, pack, unpack


def on_board() -> bool:
    try:
        return len(pynq.Device.devices) > 0
    except Exception:  # pynq without an FPGA device (a workstation): not a board
        return False


class PynqBackend:
    name = "pynq"

    def __init__(self, deploy: Path, settings: dict):
        self.settings = settings
        self.alveo = settings["shell"] == "alveo"
        bitfile = Path(deploy) / ("bcnn.xclbin" if self.alveo else "bcnn.bit")
        if not bitfile.is_file():
            raise FileNotFoundError(f"{bitfile}: not in the deployment package; build with --outputs bitfile,deploy")
        self.overlay = pynq.Overlay(str(bitfile))
        batch, i, o = settings["batch"], settings["input"], settings["output"]
        self.in_buf = pynq.allocate(shape=(batch * i["beats_per_frame"], i["bus_bits"] // 8), dtype=np.uint8)
        self.out_buf = pynq.allocate(shape=(batch * o["beats_per_frame"], o["bus_bits"] // 8), dtype=np.uint8)

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
