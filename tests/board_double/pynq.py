"""A stand-in for the pynq package, for testing the board driver without a board: the overlay's
data movement runs the accelerator IP simulated in Verilator (tests/ip_sim.py). The driver
(build_flows/runtime/backend_pynq.py) runs unchanged against it.

Zynq (bcnn.bit): an AXI DMA in simple mode, `overlay.dma`; a receive transfer ends at the
accelerator's TLAST: a TLAST before the buffer is full (or none at its end) is an error here, as
it would lose data on a board.

Alveo (bcnn.xclbin): what PYNQ 3.0 makes of the xclbin, read from the build's vitis/ sources: the
data movers idma_0 / odma_0 as XRT kernels (call / start with their non-stream arguments in
order), ip_dict with each buffer argument's memory bank (link.cfg sp=), and the banks as
overlay attributes (DDR[1] -> overlay.DDR1). A buffer allocated in another bank than its kernel
argument's is refused, as XRT refuses it."""
import re
from pathlib import Path

import numpy as np

from tests.ip_sim import run_ip
from tests.vitis_stub import hls_kernels, parse_link_cfg

__version__ = "3.0.1"


class Device:
    devices = ["simulated FPGA"]


class PynqBuffer(np.ndarray):
    """pynq.allocate's buffer: a numpy array with cache syncs (no-ops in simulation) and its bank."""

    bank = None

    def sync_to_device(self):
        pass

    def sync_from_device(self):
        pass


def allocate(shape, dtype, target=None):
    buffer = np.zeros(shape, dtype).view(PynqBuffer)
    buffer.bank = getattr(target, "tag", None)
    return buffer


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


class _Memory:
    def __init__(self, tag: str):
        self.tag = tag


class _Handle:
    def __init__(self, kernel):
        self.kernel = kernel

    def wait(self):
        self.kernel.overlay.settle()


class _Kernel:
    """An XRT kernel as PYNQ drives it: arguments are its registers, in the kernel's order."""

    def __init__(self, overlay, name: str, registers: dict):
        self.overlay, self.name, self.registers, self.args = overlay, name, registers, None

    def start(self, *args):
        if len(args) != len(self.registers):
            raise TypeError(f"{self.name} takes {len(self.registers)} arguments ({', '.join(self.registers)}), "
                            f"got {len(args)}")
        for (arg, reg), value in zip(self.registers.items(), args):
            if "memory" in reg and getattr(value, "bank", None) != reg["memory"]:
                raise RuntimeError(f"{self.name}.{arg}: buffer in bank {getattr(value, 'bank', None)}, "
                                   f"the kernel reaches {reg['memory']}")
        self.args = args
        self.overlay.started(self)
        return _Handle(self)

    def call(self, *args):
        self.start(*args).wait()


class _AlveoOverlay:
    def __init__(self, build: Path, workdir: Path):
        self.build, self.workdir, self.transfers = build, workdir, 0
        kernels = hls_kernels((build / "vitis" / "dma_kernels.cpp").read_text())
        cfg = parse_link_cfg((build / "vitis" / "link.cfg").read_text())
        self.ip_dict = {}
        for cu, kernel in cfg["nk"].items():
            if kernel not in kernels:  # the free-running accelerator has no registers
                continue
            registers = {}
            for name, kind, _ in kernels[kernel]["args"]:
                if kind == "pointer":
                    bank = cfg["sp"][f"{cu}.m_axi_{kernels[kernel]['bundles'][name]}"]
                    registers[name] = {"memory": bank}
                    setattr(self, re.sub("[^A-Za-z0-9_]", "", bank), _Memory(bank))
                elif kind == "scalar":
                    registers[name] = {}
            self.ip_dict[cu] = {"registers": registers}
            setattr(self, cu, _Kernel(self, cu, registers))

    def started(self, kernel):
        if kernel.name == "idma_0":
            if self.odma_0.args is None:
                raise RuntimeError("idma_0 started before odma_0: the accelerator's output has nowhere to go")
            self.run()

    def run(self):
        in_buf, in_beats = self.idma_0.args
        out_buf, out_beats = self.odma_0.args
        if in_beats != len(in_buf) or out_beats != len(out_buf):
            raise RuntimeError(f"beats {in_beats}/{out_beats} for buffers of {len(in_buf)}/{len(out_buf)} beats")
        _, data = run_ip(self.build, self.workdir, np.asarray(in_buf), out_beats)
        out_buf[:] = data
        self.transfers += 1
        self.idma_0.args = self.odma_0.args = None

    def settle(self):
        pass


def Overlay(bitfile: str):
    deploy = Path(bitfile).parent
    if bitfile.endswith(".xclbin"):
        return _AlveoOverlay(deploy.parent, deploy.parent / "board_double")
    overlay = type("ZynqOverlay", (), {})()
    overlay.dma = _DMA(deploy.parent, deploy.parent / "board_double")
    return overlay
