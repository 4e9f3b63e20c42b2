"""What `v++ -l` checks of an Alveo link, without Vitis: the kernels of vitis/dma_kernels.cpp (as
Vitis HLS makes them: one AXI master m_axi_<bundle> per bundle, hls::stream arguments as
AXI-Stream ports), the RTL kernel of ip/ (its AXI-Stream ports and widths), and vitis/link.cfg
(every CU of a known kernel, stream_connect between stream ports of equal width, every AXI master
on a bank the platform has). The fake v++ in tests/data/fake_xilinx and the tests use it."""
import json
import re
from pathlib import Path

KERNEL = re.compile(r'extern "C" void (\w+)\((.*?)\)\s*\{(.*?)\n\}', re.S)
PRAGMA = re.compile(r"#pragma HLS INTERFACE (\w+) port = (\w+)(.*)")
WIDTH = re.compile(r"ap_uint<(\d+)>")
# The banks of the platforms we link against (their memory topology).
PLATFORM_BANKS = {"u250": [f"DDR[{i}]" for i in range(4)] + ["HOST[0]"],
                  "u280": [f"HBM[{i}]" for i in range(32)] + ["DDR[0]", "DDR[1]", "HOST[0]"]}


def hls_kernels(cpp: str) -> dict:
    """kernel -> {"args": [(name, kind, width)], "bundles": {arg: bundle}} (kind: stream, pointer, scalar)."""
    kernels = {}
    for name, signature, body in KERNEL.findall(cpp):
        args = []
        for arg in (a.strip() for a in signature.split(",")):
            arg_name = re.findall(r"(\w+)\s*$", arg)[0]
            kind = "stream" if "hls::stream" in arg else "pointer" if "*" in arg else "scalar"
            width = WIDTH.search(arg)
            args.append((arg_name, kind, int(width.group(1)) if width else None))
        bundles = {}
        for mode, port, rest in PRAGMA.findall(body):
            bundle = re.search(r"bundle = (\w+)", rest)
            if mode == "m_axi":
                bundles[port] = bundle.group(1) if bundle else "gmem"
        kernels[name] = {"args": args, "bundles": bundles}
    return kernels


def accel_ports(build: Path) -> dict:
    ip = json.loads((build / "ip" / "ip.json").read_text())
    return {"s_axis_0": ip["s_axis_0_bits"], "m_axis_0": ip["m_axis_0_bits"]}


def parse_link_cfg(text: str) -> dict:
    cfg = {"nk": {}, "stream_connect": [], "sp": {}}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "=" not in line:
            continue
        key, value = (s.strip() for s in line.split("=", 1))
        if key == "nk":
            kernel, count, cu = value.split(":")
            cfg["nk"][cu] = kernel
        elif key in ("stream_connect", "sc"):
            cfg["stream_connect"].append(value.split(":"))
        elif key == "sp":
            port, bank = value.rsplit(":", 1)
            cfg["sp"][port] = bank
    return cfg


def link_errors(build: Path, platform: str) -> list:
    """What v++ -l would refuse (or silently get wrong) in build/vitis/."""
    vitis = build / "vitis"
    kernels = hls_kernels((vitis / "dma_kernels.cpp").read_text())
    cfg = parse_link_cfg((vitis / "link.cfg").read_text())
    errors = []

    def stream_width(endpoint: str):
        cu, _, port = endpoint.partition(".")
        kernel = cfg["nk"].get(cu)
        if kernel == "bcnn_accel":
            return accel_ports(build).get(port)
        for name, kind, width in kernels.get(kernel, {"args": []})["args"]:
            if name == port and kind == "stream":
                return width
        return None

    for cu, kernel in cfg["nk"].items():
        if kernel not in kernels and kernel != "bcnn_accel":
            errors.append(f"nk={kernel}:1:{cu}: no kernel {kernel}")
    for src, dst in cfg["stream_connect"]:
        widths = stream_width(src), stream_width(dst)
        if None in widths:
            errors.append(f"stream_connect={src}:{dst}: {src if widths[0] is None else dst} is no AXI-Stream port")
        elif widths[0] != widths[1]:
            errors.append(f"stream_connect={src}:{dst}: widths {widths[0]} and {widths[1]} differ")
    banks = next(b for key, b in PLATFORM_BANKS.items() if key in platform)
    for cu, kernel in cfg["nk"].items():
        for bundle in sorted(set(kernels.get(kernel, {"bundles": {}})["bundles"].values())):
            port = f"{cu}.m_axi_{bundle}"
            if port not in cfg["sp"]:
                errors.append(f"{port}: no sp= bank (v++ would pick one; the driver must know it)")
    for port, bank in cfg["sp"].items():
        cu, _, axi = port.partition(".")
        kernel = kernels.get(cfg["nk"].get(cu), {"bundles": {}})
        if axi not in {f"m_axi_{b}" for b in kernel["bundles"].values()}:
            errors.append(f"sp={port}:{bank}: {cu} has no AXI master {axi}")
        if bank not in banks:
            errors.append(f"sp={port}:{bank}: {platform} has no bank {bank}")
    return errors


def bank_of_argument(build: Path, cu: str, arg: str) -> str:
    """The bank a kernel argument's AXI master is on (what PYNQ reads from the xclbin)."""
    kernels = hls_kernels((build / "vitis" / "dma_kernels.cpp").read_text())
    cfg = parse_link_cfg((build / "vitis" / "link.cfg").read_text())
    bundle = kernels[cfg["nk"][cu]]["bundles"][arg]
    return cfg["sp"][f"{cu}.m_axi_{bundle}"]
