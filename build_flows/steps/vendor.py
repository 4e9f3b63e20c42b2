"""The vendor outputs as build steps: hls (HLS synthesis of FINN+'s HLS layers), ip (the
accelerator as a Vivado IP), bitfile (the board shell and its bitstream or xclbin).

Each writes what needs no vendor tool, then runs the tool if it is reachable, or records the
output as pending (vendor/pending.py). A tool that fails is recorded too, with its logs: the build
finishes, keeps them, and then names the failure and the log (docs/vendor.md)."""
import shutil
from pathlib import Path

from finn.transformation.fpgadataflow.create_stitched_ip import CreateStitchedIP
from finn.transformation.fpgadataflow.hlssynth_ip import HLSSynthIP
from finn.transformation.fpgadataflow.insert_fifo import InsertFIFO
from finn.transformation.fpgadataflow.make_zynq_proj import ZynqBuild
from finn.transformation.fpgadataflow.prepare_ip import PrepareIP
from finn.util.settings import get_settings
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.general import GiveUniqueNodeNames

from models.errors import BcnnError

from ..boards import get_board
from ..custom_op.base import DOMAIN
from ..vendor.board_files import resolve_board_files
from ..vendor.ip_check import check_memory_files
from ..vendor.pending import failed, record, record_failure, tools_missing
from ..vendor.run_tools import ScriptFailed, run_script
from ..vendor.shells import ALVEO_OUTPUTS, ZYNQ_OUTPUTS, default_jobs, write_alveo_shell, write_zynq_shell
from ..vendor.stream_format import stream_format
from ..vendor.timing import load_timing, summary_slacks, write_timing
from ..vendor.ip_package import write_ip
from .dataflow import get_dataflow, transform_dataflow


def hls_layers(model: ModelWrapper) -> list:
    return [n.name for n in get_dataflow(model).graph.node if n.op_type.endswith("_hls")]


def bcnn_layers(model: ModelWrapper) -> list:
    """Layers only bcnn's RTL implements (no HLS version in FINN+)."""
    return [n for n in get_dataflow(model).graph.node if n.domain == DOMAIN]


def refuse_bcnn_layers(model: ModelWrapper) -> None:
    """FINN+'s HLS synthesis and stitched IP know only FINN+'s layers: a design holding ours would
    lose them silently. Refused before any vendor tool runs."""
    ours = bcnn_layers(model)
    if ours:
        names = ", ".join(f"{n.name} ({n.op_type})" for n in ours)
        raise BcnnError(f"--backend hls: {len(ours)} layer(s) have no HLS implementation, only bcnn's RTL: {names}; "
                        "FINN+'s HLS flow would leave them out of the accelerator. Use --backend rtl (the default), "
                        "whose IP holds every layer")


# FINN+ names two of our boards differently.
FINN_BOARD = {"KV260": "KV260_SOM"}


def finn_deps_missing(output: str, board) -> list:
    """What FINN+'s HLS flow needs from `finn deps update` (it needs Vivado, so it runs on the
    user's machine, not in our image): finn-hlslib, and board files for its Zynq shell."""
    deps = get_settings().finn_deps
    need = [deps / "finn-hlslib"] + ([deps / "board_files"] if output == "bitfile" and board.shell == "zynq" else [])
    return [str(p) for p in need if not p.is_dir()]


def _finn_ip(df: ModelWrapper, cfg) -> ModelWrapper:
    df = df.transform(InsertFIFO(create_shallow_fifos=True)).transform(GiveUniqueNodeNames())
    df = df.transform(PrepareIP(cfg.fpga_part, cfg.clock_ns)).transform(HLSSynthIP())
    return df.transform(CreateStitchedIP(cfg.fpga_part, cfg.clock_ns))


def keep_finn_logs(out: Path) -> Path:
    """FINN+'s vendor projects live in finn_tmp/, which a finished build deletes: their logs are
    copied to finn_logs/ first."""
    kept = out / "finn_logs"
    for log in (out / "finn_tmp").rglob("*.log"):
        target = kept / log.relative_to(out / "finn_tmp")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log, target)
    return kept


def _finn_flow(model: ModelWrapper, cfg, output: str) -> ModelWrapper:
    """The hls backend: FINN+'s own stitched IP (ip) or Zynq build (bitfile) of its HLS layers."""
    board = get_board(cfg.board)  # a Zynq board for bitfile (BuildConfig checks it)
    refuse_bcnn_layers(model)
    if missing := tools_missing("vivado", "vitis_hls"):
        record(cfg.out, output, missing, ["codegen/ (HLS C++ and Tcl of every HLS layer)"],
               ["FINN+ stitched IP" if output == "ip" else "FINN+ Zynq project and bitstream"])
        return model
    if missing := finn_deps_missing(output, board):
        raise BcnnError(f"--backend hls {output}: FINN+ needs {', '.join(missing)}: run `finn deps update` once on this "
                        "machine (it needs Vivado), or use --backend rtl")
    try:
        if output == "ip":
            return transform_dataflow(model, cfg, "ip", lambda df: _finn_ip(df, cfg))
        return transform_dataflow(model, cfg, "bitfile",
                                  lambda df: df.transform(ZynqBuild(FINN_BOARD.get(board.name, board.name), cfg.clock_ns)))
    except Exception as exc:  # FINN+ raises its own types; what the user needs is the logs
        kept = keep_finn_logs(Path(cfg.out))
        record_failure(cfg.out, output, f"FINN+ {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
                       [kept])
        return model


def step_hls(model: ModelWrapper, cfg) -> ModelWrapper:
    """Vitis HLS synthesis of the layers FINN+ implements in HLS (their C++ and Tcl are codegen/)."""
    if cfg.backend == "hls":
        refuse_bcnn_layers(model)
    layers = hls_layers(model)
    if not layers:
        return model
    if missing := tools_missing("vitis_hls"):
        record(cfg.out, "hls", missing, ["codegen/ (HLS C++ and Tcl)"],
               [f"HLS IP of {len(layers)} layer(s): {', '.join(layers)}"])
        return model
    if missing := finn_deps_missing("hls", get_board(cfg.board)):
        raise BcnnError(f"output hls: FINN+ needs {', '.join(missing)}: run `finn deps update` once on this machine "
                        "(it needs Vivado), or use --backend rtl")
    return transform_dataflow(model, cfg, "hls", lambda df: df.transform(HLSSynthIP()))


def write_shell(model: ModelWrapper, cfg) -> tuple:
    """The board shell's sources (no tool runs) -> (files written, tools, outputs, command, folder)."""
    out, board = Path(cfg.out), get_board(cfg.board)
    fmt = stream_format(model, get_dataflow(model), out / "rtl", cfg.batch)
    if board.shell == "alveo":
        return write_alveo_shell(out, cfg.board, cfg.clock_ns, fmt), ("vivado", "vitis"), ALVEO_OUTPUTS, \
            ["bash", "build_xclbin.sh"], out / "vitis"
    board_files = resolve_board_files(cfg.board_files, board)
    return write_zynq_shell(out, cfg.board, cfg.clock_ns, fmt, default_jobs()), ("vivado",), ZYNQ_OUTPUTS, \
        ["bash", "build_bitfile.sh", str(board_files or "")], out / "vivado"


def step_ip(model: ModelWrapper, cfg) -> ModelWrapper:
    """ip/: the stitched accelerator as a Vivado IP (wrapper + packaging Tcl), packaged with Vivado
    and checked: every memory file is in the packaged IP. The board shell's sources are written
    too (not run), so its block design can be validated on its own (docs/vendor.md)."""
    if cfg.backend != "rtl":
        return _finn_flow(model, cfg, "ip")
    out = Path(cfg.out)
    fmt = stream_format(model, get_dataflow(model), out / "rtl", cfg.batch)
    info = write_ip(out, cfg.board, cfg.clock_ns, fmt)
    write_shell(model, cfg)
    if missing := tools_missing("vivado"):
        record(out, "ip", missing, ["ip/bcnn_accel.v", "ip/package_ip.tcl", "ip/ip.json"], ["ip/packaged/component.xml"])
        return model
    log = out / "ip" / "package_ip.log"  # Vivado's own vivado.log is off (-nolog): its output is this
    try:
        run_script(["vivado", "-mode", "batch", "-nojournal", "-nolog", "-source", "package_ip.tcl"], out / "ip", log)
        check_memory_files(out / "ip" / "packaged" / "component.xml", info["memory_files"])
    except (ScriptFailed, BcnnError) as exc:
        record_failure(out, "ip", getattr(exc, "first_error", str(exc)), [log])
    return model


def _zynq_failure(out: Path, exc: ScriptFailed) -> str:
    timing = load_timing(out, "zynq")
    if timing and not timing["met"]:
        return (f"timing not met (WNS {timing['wns_ns']} ns, WHS {timing['whs_ns']} ns; vivado/output/timing.rpt): "
                "lower the clock (--clock-ns) or fold for fewer lanes; the bitstream stays in vivado/output/ "
                "for inspection and is not deployed")
    return exc.first_error


def _alveo_timing(out: Path) -> str | None:
    """The timing gate of an Alveo link: v++ leaves the routed timing summary below vitis/_x."""
    reports = sorted((out / "vitis" / "_x").rglob("*timing_summary_routed.rpt"))
    if not reports:
        return "no routed timing summary (*timing_summary_routed.rpt) below vitis/_x: cannot check timing"
    wns, whs = summary_slacks(reports[0].read_text(errors="replace"))
    timing = write_timing(out / "vitis" / "output", wns, whs, str(reports[0].relative_to(out / "vitis")))
    if timing["met"]:
        return None
    return f"timing not met (WNS {wns} ns, WHS {whs} ns; {reports[0]}): the xclbin is not deployed"


def step_bitfile(model: ModelWrapper, cfg) -> ModelWrapper:
    """The board shell around the IP and its bitstream (Zynq) or xclbin (Alveo), gated on timing."""
    if cfg.backend != "rtl":
        return _finn_flow(model, cfg, "bitfile")
    out = Path(cfg.out)
    written, tools, produces, script, workdir = write_shell(model, cfg)
    if missing := tools_missing(*tools):
        record(out, "bitfile", missing, written, produces)
        return model
    if failed(out, "ip"):
        record_failure(out, "bitfile", "not run: the ip output failed (see its log)", [out / "ip" / "package_ip.log"])
        return model
    log = workdir / "build.log"
    try:
        run_script(script, workdir, log, tools)
    except ScriptFailed as exc:
        reason = _zynq_failure(out, exc) if workdir.name == "vivado" else exc.first_error
        record_failure(out, "bitfile", reason, [log])
        return model
    if workdir.name == "vitis" and (problem := _alveo_timing(out)):
        record_failure(out, "bitfile", problem, [log])
    absent = [p for p in produces if not (out / p).is_file()]
    if absent and not failed(out, "bitfile"):
        record_failure(out, "bitfile", f"the tool finished without writing {', '.join(absent)}", [log])
    return model
