"""Per-layer cycle and resource estimates from FINN+'s analytic models, and a design's totals
(layers and the FIFOs between them) against its board."""
import math

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from ..boards import get_board
from .data_movement import board_fps, data_movement, dataflow_sides
from .fit import Usage, fits, over_budget


def layer_estimates(df: ModelWrapper, fpga_part: str) -> list:
    layers = []
    for node in df.graph.node:
        inst = getCustomOp(node)
        attrs = inst.get_nodeattr_types()
        layers.append({
            "name": node.name,
            "op_type": node.op_type,
            "cycles": int(inst.get_exp_cycles()),
            "PE": inst.get_nodeattr("PE") if "PE" in attrs else None,
            "SIMD": inst.get_nodeattr("SIMD") if "SIMD" in attrs else None,
            "ram_style": inst.get_nodeattr("ram_style") if "ram_style" in attrs else None,
            "lut": int(math.ceil(inst.lut_estimation(fpga_part))),
            "bram_18k": int(inst.bram_estimation(fpga_part)),
            "uram": int(inst.uram_estimation(fpga_part)),
            "dsp": int(inst.dsp_estimation(fpga_part)),
        })
    return layers


def design_estimates(df: ModelWrapper, cfg, fifos: dict | None = None) -> dict:
    """`fifos`: what the FIFOs between the layers cost ({"count", "lut", "lutram", "bram_18k", "uram"}, an
    rtl build's stitched FIFOs, rtl/fifo_cost.py), added to the layers' totals; None where they
    are not known (an hls build: FINN+ sizes its own FIFOs in the vendor flow)."""
    board = get_board(cfg.board)
    layers = layer_estimates(df, board.part)
    slowest = max(layers, key=lambda layer: layer["cycles"])
    cycles = slowest["cycles"]
    layer_totals = {k: sum(layer[k] for layer in layers) for k in ("lut", "bram_18k", "uram", "dsp")}
    totals = dict(layer_totals)
    if fifos is not None:
        totals["lut"] += fifos["lut"]
        totals["bram_18k"] += fifos["bram_18k"]
        totals["uram"] += fifos["uram"]
    # the FIFOs' model is fitted to synthesis already: only FINN+'s layer estimates are scaled
    usage = Usage(cfg.lut_per_estimate * layer_totals["lut"] + totals["lut"] - layer_totals["lut"],
                  totals["bram_18k"], totals["uram"], totals["dsp"])
    available = {"lut": board.lut, "bram_18k": board.bram_18k, "uram": board.uram, "dsp": board.dsp}
    pipeline_fps = 1e9 / (cfg.clock_ns * cycles) if cycles else None
    moving = data_movement(dataflow_sides(df), board.ps, 1e3 / cfg.clock_ns)
    fps, bounded = board_fps(pipeline_fps, moving)
    return {
        "board": board.name,
        "fpga_part": board.part,
        "clock_ns": cfg.clock_ns,
        "analytic_cycles_per_frame": cycles,
        "bottleneck_layer": slowest["name"],
        # what the board delivers: the pipeline's rate or its data movement's, the smaller
        "fps_at_clock": fps,
        "pipeline_fps_at_clock": pipeline_fps,
        "data_movement": moving,
        "fps_bounded_by": moving["by"] if bounded else f"the pipeline (bottleneck {slowest['name']})",
        "latency_cycles_estimate": sum(layer["cycles"] for layer in layers),
        "totals": totals,
        "layer_totals": layer_totals,
        "fifos": fifos,
        "utilization": {k: (totals[k] / available[k] if available[k] else None) for k in totals},
        # by the one fit predicate: LUTs scaled as a fold search scales them, within the LUT cap
        "lut_cap": cfg.lut_cap,
        "fits_board": fits(usage, board, cfg.lut_cap),
        "over_budget": over_budget(usage, board, cfg.lut_cap),
        "layers": layers,
    }
