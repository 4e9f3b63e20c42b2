"""The vendor outputs as build steps: hls (HLS synthesis of FINN+'s HLS layers), ip (the
accelerator as a Vivado IP), bitfile (the board shell and its bitstream or xclbin).

Each writes what needs no vendor tool, then runs the tool if it is reachable, or records the
output as pending (vendor/pending.py): the build finishes and then names what to install."""
from pathlib import Path

from finn.transformation.fpgadataflow.create_stitched_ip import CreateStitchedIP
from finn.transformation.fpgadataflow.hlssynth_ip import HLSSynthIP
from finn.transformation.fpgadataflow.insert_fifo import InsertFIFO
from finn.transformation.fpgadataflow.make_zynq_proj import ZynqBuild
from finn.transformation.fpgadataflow.prepare_ip import PrepareIP
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.general import GiveUniqueNodeNames

from ..boards import get_board
from ..vendor.ip_package import write_ip
from ..vendor.pending import record, tools_missing
from ..vendor.run_tools import run_script
from ..vendor.shells import ALVEO_OUTPUTS, ZYNQ_OUTPUTS, default_jobs, write_alveo_shell, write_zynq_shell
from ..vendor.stream_format import stream_format
from .dataflow import get_dataflow, transform_dataflow


def hls_layers(model: ModelWrapper) -> list:
    return [n.name for n in get_dataflow(model).graph.node if n.op_type.endswith("_hls")]


# FINN+ names two of our boards differently.
FINN_BOARD = {"KV260": "KV260_SOM"}


def _finn_ip(df: ModelWrapper, cfg) -> ModelWrapper:
    df = df.transform(InsertFIFO(create_shallow_fifos=True)).transform(GiveUniqueNodeNames())
    df = df.transform(PrepareIP(cfg.fpga_part, cfg.clock_ns)).transform(HLSSynthIP())
    return df.transform(CreateStitchedIP(cfg.fpga_part, cfg.clock_ns))


def _finn_flow(model: ModelWrapper, cfg, output: str) -> ModelWrapper:
    """The hls backend: FINN+'s own stitched IP (ip) or Zynq build (bitfile) of its HLS layers."""
    board = get_board(cfg.board)  # a Zynq board for bitfile (BuildConfig checks it)
    if missing := tools_missing("vivado", "vitis_hls"):
        record(cfg.out, output, missing, ["codegen/ (HLS C++ and Tcl of every HLS layer)"],
               ["FINN+ stitched IP" if output == "ip" else "FINN+ Zynq project and bitstream"])
        return model
    if output == "ip":
        return transform_dataflow(model, cfg, "ip", lambda df: _finn_ip(df, cfg))
    return transform_dataflow(model, cfg, "bitfile",
                              lambda df: df.transform(ZynqBuild(FINN_BOARD.get(board.name, board.name), cfg.clock_ns)))


def step_hls(model: ModelWrapper, cfg) -> ModelWrapper:
    """Vitis HLS synthesis of the layers FINN+ implements in HLS (their C++ and Tcl are codegen/)."""
    layers = hls_layers(model)
    if not layers:
        return model
    if missing := tools_missing("vitis_hls"):
        record(cfg.out, "hls", missing, ["codegen/ (HLS C++ and Tcl)"],
               [f"HLS IP of {len(layers)} layer(s): {', '.join(layers)}"])
        return model
    return transform_dataflow(model, cfg, "hls", lambda df: df.transform(HLSSynthIP()))


def step_ip(model: ModelWrapper, cfg) -> ModelWrapper:
    """ip/: the stitched accelerator as a Vivado IP (wrapper + packaging Tcl), packaged with Vivado."""
    if cfg.backend != "rtl":
        return _finn_flow(model, cfg, "ip")
    out = Path(cfg.out)
    fmt = stream_format(model, get_dataflow(model), out / "rtl", cfg.batch)
    write_ip(out, cfg.board, cfg.clock_ns, fmt)
    if missing := tools_missing("vivado"):
        record(out, "ip", missing, ["ip/bcnn_accel.v", "ip/package_ip.tcl", "ip/ip.json"], ["ip/packaged/component.xml"])
        return model
    run_script(["vivado", "-mode", "batch", "-nojournal", "-source", "package_ip.tcl"], out / "ip", out / "ip" / "vivado.log")
    return model


def step_bitfile(model: ModelWrapper, cfg) -> ModelWrapper:
    """The board shell around the IP and its bitstream (Zynq) or xclbin (Alveo)."""
    if cfg.backend != "rtl":
        return _finn_flow(model, cfg, "bitfile")
    out = Path(cfg.out)
    fmt = stream_format(model, get_dataflow(model), out / "rtl", cfg.batch)
    if get_board(cfg.board).shell == "alveo":
        written, tools, script, produces = write_alveo_shell(out, cfg.board, cfg.clock_ns, fmt), ("vivado", "vitis"), \
            ["./build_xclbin.sh"], ALVEO_OUTPUTS
        workdir = out / "vitis"
    else:
        written, tools, produces = write_zynq_shell(out, cfg.board, cfg.clock_ns, fmt, default_jobs()), ("vivado",), \
            ZYNQ_OUTPUTS
        script, workdir = ["./build_bitfile.sh", cfg.board_files or ""], out / "vivado"
    if missing := tools_missing(*tools):
        record(out, "bitfile", missing, written, produces)
        return model
    run_script(script, workdir, workdir / "build.log")
    return model
