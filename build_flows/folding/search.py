"""Folding searches on a dataflow graph: the fastest folding within the board's budget (ours
and FINN+'s SetFolding, the faster kept), and FINN+'s SetFolding for a cycles-per-frame target
with bcnn's own layers folded beside it."""
import copy

from finn.transformation.fpgadataflow.insert_dwc import InsertDWC
from finn.transformation.fpgadataflow.set_folding import SetFolding
from finn.transformation.fpgadataflow.specialize_layers import SpecializeLayers
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.general import GiveUniqueNodeNames

from ..analysis.data_movement import data_movement, dataflow_sides, port_floor_cycles
from ..analysis.estimates import layer_estimates
from ..analysis.fit import Usage, fits
from ..boards import get_board
from .grow_bottleneck import fastest_folding
from .rules import BCNN_FOLDING, divisors

FASTEST = "fastest"  # --folding fastest: grow_bottleneck.fastest_folding within the board's budget


def design_cost(df: ModelWrapper, cfg) -> tuple:
    """(cycles per frame, Usage with LUTs scaled by lut_per_estimate) of a folded graph with the
    width converters its folding makes (inserted after folding, so a search must add them to see them)."""
    board = get_board(cfg.board)
    layers = layer_estimates(insert_converters(ModelWrapper(copy.deepcopy(df.model)), board.part), board.part)
    totals = {k: sum(x[k] for x in layers) for k in ("lut", "bram_18k", "uram", "dsp")}
    return max(x["cycles"] for x in layers), Usage.from_estimates(totals, cfg.lut_per_estimate)


def board_cycles(df: ModelWrapper, cfg, pipeline_cycles: int) -> int:
    """Cycles per frame on the board: the pipeline's or its data movement's, the larger."""
    return max(pipeline_cycles, data_movement(dataflow_sides(df), get_board(cfg.board).ps, 1.0)["cycles_per_frame"])


def cost_fits(cost: tuple, cfg) -> bool:
    return fits(cost[1], get_board(cfg.board), cfg.lut_cap)


def greedy_within_budget(df: ModelWrapper, cfg) -> tuple:
    """grow_bottleneck.fastest_folding, its LUT cap tightened until the design fits with its width
    converters. -> the design's cost."""
    board, cap = get_board(cfg.board), cfg.lut_cap
    for _ in range(4):
        fastest_folding(df, board, cap, cfg.lut_per_estimate)
        cost = design_cost(df, cfg)
        if cost_fits(cost, cfg):
            break
        cap *= cfg.lut_cap * board.lut / cost[1].lut
    return cost


def setfolding_within_budget(df: ModelWrapper, cfg) -> tuple:
    """FINN+'s SetFolding (search_folding) at the smallest cycles-per-frame target whose design
    fits, by bisection. -> the design's cost."""
    fastest_ok, slow = None, max(x["cycles"] for x in layer_estimates(search_folding(
        ModelWrapper(copy.deepcopy(df.model)), 1 << 40), get_board(cfg.board).part))
    # no target below what the board's data movement allows: it would cost LUTs for no frame
    lo, hi = min(slow, port_floor_cycles(dataflow_sides(df), get_board(cfg.board).ps)), slow
    while lo < hi:
        target = (lo + hi) // 2
        trial = search_folding(ModelWrapper(copy.deepcopy(df.model)), target)
        if cost_fits(design_cost(trial, cfg), cfg):
            hi, fastest_ok = target, trial
        else:
            lo = target + 1
    chosen = fastest_ok or search_folding(ModelWrapper(copy.deepcopy(df.model)), slow)
    df.graph.ClearField("node")
    df.graph.node.extend(chosen.graph.node)
    return design_cost(df, cfg)


def fastest_within_budget(df: ModelWrapper, cfg) -> None:
    """The faster on the board of two searches within the budget (ties, as where the data movement
    bounds both: the fewer LUTs): our greedy bottleneck growth (grow_bottleneck.py) and FINN+'s
    SetFolding at the fastest target that fits, which often balances SIMD and PE with fewer width
    converters."""
    greedy = ModelWrapper(copy.deepcopy(df.model))
    candidates = [(greedy_within_budget(greedy, cfg), greedy)]
    setfolded = ModelWrapper(copy.deepcopy(df.model))
    candidates.append((setfolding_within_budget(setfolded, cfg), setfolded))
    fitting = [c for c in candidates if cost_fits(c[0], cfg)] or candidates
    _, best = min(fitting, key=lambda c: (board_cycles(c[1], cfg, c[0][0]), c[0][1].lut))
    df.graph.ClearField("node")
    df.graph.node.extend(best.graph.node)


def search_folding(df: ModelWrapper, target: int) -> ModelWrapper:
    """FINN+'s SetFolding for its layers (run on a copy without bcnn's own layers, which its
    analysis cannot read, then copied back by name), and the smallest folding meeting the target
    for bcnn's layers (their worst-case cycles)."""
    finn_view = ModelWrapper(copy.deepcopy(df.model))
    for node in [n for n in finn_view.graph.node if n.op_type in BCNN_FOLDING]:
        finn_view.graph.node.remove(node)
    finn_view = finn_view.transform(SetFolding(target, two_pass_relaxation=True))
    # by output tensor, not by name: SetFolding names its nodes again in its own graph order,
    # which can differ from df's once bcnn's layers are out (a narrow ResNet-20 at 400,000 FPS)
    folded = {n.output[0]: n for n in finn_view.graph.node}
    for node in df.graph.node:
        if node.output[0] in folded:
            name = node.name
            node.CopyFrom(folded[node.output[0]])
            node.name = name
        elif node.op_type in BCNN_FOLDING:
            fold_to_target(getCustomOp(node), BCNN_FOLDING[node.op_type], target)
    return df


def fold_to_target(inst, dimensions, target: int) -> None:
    for fold_attr, _ in dimensions:
        inst.set_nodeattr(fold_attr, 1)
    for fold_attr, dim_attr in dimensions:
        for value in divisors(inst.get_nodeattr(dim_attr)):
            inst.set_nodeattr(fold_attr, value)
            if inst.get_exp_cycles() <= target:
                return


def insert_converters(df: ModelWrapper, fpga_part: str) -> ModelWrapper:
    df = df.transform(InsertDWC())
    df = df.transform(SpecializeLayers(fpga_part))  # the new converters
    return df.transform(GiveUniqueNodeNames())
