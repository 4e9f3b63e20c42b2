"""Folding: how many processing elements (PE) and SIMD lanes each layer gets.

Either a FINN folding-config JSON (`--folding`, the format of finn-examples: node name ->
attributes, plus optional "Defaults"), or FINN+'s SetFolding search for a cycles-per-frame target
(`--target-fps`, or the default target). A folding is checked before it is applied: every entry
must name a layer of this design, every attribute must exist on that layer, and every PE/SIMD
must divide the dimension it folds."""
import copy
import json
from pathlib import Path

from finn.transformation.fpgadataflow.insert_dwc import InsertDWC
from finn.transformation.fpgadataflow.set_folding import SetFolding
from finn.transformation.fpgadataflow.specialize_layers import SpecializeLayers
from finn.transformation.general import ApplyConfig
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.general import GiveUniqueNodeNames

from models.errors import BcnnError

from ..boards import get_board
from ..folding.rules import BCNN_FOLDING, FOLDED_DIMENSIONS, divisors, layer_kind
from ..folding.grow_bottleneck import depthwise_partner, fastest_folding
from .estimates import layer_estimates
from .dataflow import transform_dataflow

def load_folding(path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise BcnnError(f"--folding {path}: no such file (expected a FINN folding-config JSON)")
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise BcnnError(f"--folding {path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(config, dict) or not all(isinstance(v, dict) for v in config.values()):
        raise BcnnError(f'--folding {path}: expected an object of layer name -> {{"PE": .., "SIMD": ..}}')
    return config


def finn_names(df: ModelWrapper, config: dict) -> dict:
    """The folding with layers named as FINN+ names them at folding time: a build's reports name
    bcnn's layers by what they are (MVAU_bcnn_3), which is MVAU_hls_3 (Thresholding_rtl_0 for
    Thresholding_bcnn_0) before the RTL backend specializes it."""
    nodes = {n.name for n in df.graph.node}
    renamed = {}
    for name, attrs in config.items():
        if name not in nodes and "_bcnn_" in name:
            name = next((name.replace("_bcnn_", f"_{kind}_") for kind in ("hls", "rtl")
                         if name.replace("_bcnn_", f"_{kind}_") in nodes), name)
        renamed[name] = attrs
    return renamed


def check_folding(df: ModelWrapper, config: dict, source: str) -> None:
    nodes = {n.name: n for n in df.graph.node}
    for name, attrs in config.items():
        if name == "Defaults":
            continue
        if name not in nodes:
            raise BcnnError(f"{source}: no layer named '{name}' in this design; layers: {', '.join(nodes)}")
        inst = getCustomOp(nodes[name])
        valid = inst.get_nodeattr_types()
        for attr in attrs:
            if attr not in valid:
                raise BcnnError(f"{source}: layer '{name}' has no attribute '{attr}'; folding attributes: PE, SIMD, ram_style, mem_mode, ...")
    for node in df.graph.node:
        check_layer_folding(node, config.get(node.name, {}), source)
    check_depthwise_lanes(df, config, source)


def check_depthwise_lanes(df: ModelWrapper, config: dict, source: str) -> None:
    """A depthwise sliding window's SIMD must equal its consumer's PE (folding_search.depthwise_partner)."""
    for node in df.graph.node:
        partner = depthwise_partner(df, node)
        if partner is None or partner[1] != "PE":
            continue
        simd = config.get(node.name, {}).get("SIMD", getCustomOp(node).get_nodeattr("SIMD"))
        pe = config.get(partner[0].name, {}).get("PE", getCustomOp(partner[0]).get_nodeattr("PE"))
        if simd != pe:
            raise BcnnError(f"{source}: layer '{node.name}' (a depthwise sliding window) has SIMD={simd} but its "
                            f"consumer '{partner[0].name}' has PE={pe}; they must be equal (the window streams channel "
                            "folds outside kernel positions)")


def check_layer_folding(node, attrs: dict, source: str) -> None:
    inst = getCustomOp(node)
    for fold_attr, dim_attr in FOLDED_DIMENSIONS.get(layer_kind(node.op_type), ()):
        value = attrs.get(fold_attr, inst.get_nodeattr(fold_attr))
        dim = inst.get_nodeattr(dim_attr)
        if not isinstance(value, int) or value < 1 or dim % value:
            valid = divisors(dim)
            raise BcnnError(
                f"{source}: layer '{node.name}' ({node.op_type}): {fold_attr}={value} does not divide "
                f"{dim_attr}={dim}; valid {fold_attr} values: {valid}"
            )


FASTEST = "fastest"  # --folding fastest: folding_search.fastest_folding within the board's budget


def design_cost(df: ModelWrapper, cfg) -> tuple:
    """(cycles per frame, LUT scaled by lut_per_estimate, BRAM18) of a folded graph with the width
    converters its folding makes (inserted after folding, so a search must add them to see them)."""
    board = get_board(cfg.board)
    layers = layer_estimates(insert_converters(ModelWrapper(copy.deepcopy(df.model)), board.part), board.part)
    return (max(x["cycles"] for x in layers), cfg.lut_per_estimate * sum(x["lut"] for x in layers),
            sum(x["bram_18k"] for x in layers))


def fits(cost: tuple, cfg) -> bool:
    board = get_board(cfg.board)
    return cost[1] <= cfg.lut_cap * board.lut and cost[2] <= board.bram_18k


def greedy_within_budget(df: ModelWrapper, cfg) -> tuple:
    """folding_search.fastest_folding, its LUT cap tightened until the design fits with its width
    converters. -> the design's cost."""
    board, cap = get_board(cfg.board), cfg.lut_cap
    for _ in range(4):
        fastest_folding(df, board, cap, cfg.lut_per_estimate)
        cost = design_cost(df, cfg)
        if fits(cost, cfg):
            break
        cap *= cfg.lut_cap * board.lut / cost[1]
    return cost


def setfolding_within_budget(df: ModelWrapper, cfg) -> tuple:
    """FINN+'s SetFolding (search_folding) at the smallest cycles-per-frame target whose design
    fits, by bisection. -> the design's cost."""
    fastest_ok, slow = None, max(x["cycles"] for x in layer_estimates(search_folding(
        ModelWrapper(copy.deepcopy(df.model)), 1 << 40), get_board(cfg.board).part))
    lo, hi = 1, slow
    while lo < hi:
        target = (lo + hi) // 2
        trial = search_folding(ModelWrapper(copy.deepcopy(df.model)), target)
        if fits(design_cost(trial, cfg), cfg):
            hi, fastest_ok = target, trial
        else:
            lo = target + 1
    chosen = fastest_ok or search_folding(ModelWrapper(copy.deepcopy(df.model)), slow)
    df.graph.ClearField("node")
    df.graph.node.extend(chosen.graph.node)
    return design_cost(df, cfg)


def fastest_within_budget(df: ModelWrapper, cfg) -> None:
    """The faster of two searches within the budget (ties: the fewer LUTs): our greedy bottleneck
    growth (folding_search.py) and FINN+'s SetFolding at the fastest target that fits, which often
    balances SIMD and PE with fewer width converters."""
    greedy = ModelWrapper(copy.deepcopy(df.model))
    candidates = [(greedy_within_budget(greedy, cfg), greedy)]
    setfolded = ModelWrapper(copy.deepcopy(df.model))
    candidates.append((setfolding_within_budget(setfolded, cfg), setfolded))
    fitting = [c for c in candidates if fits(c[0], cfg)] or candidates
    _, best = min(fitting, key=lambda c: (c[0][0], c[0][1]))
    df.graph.ClearField("node")
    df.graph.node.extend(best.graph.node)


def step_fold(model: ModelWrapper, cfg) -> ModelWrapper:
    """Apply the folding file, search the fastest folding within the board's budget (--folding
    fastest), or search one for the target cycles per frame."""

    def fold(df: ModelWrapper) -> ModelWrapper:
        if cfg.folding == FASTEST:
            fastest_within_budget(df, cfg)
        elif cfg.folding:
            config = finn_names(df, load_folding(cfg.folding))
            check_folding(df, config, f"--folding {cfg.folding}")
            df = df.transform(ApplyConfig(config))
        else:
            df = search_folding(df, cfg.target_cycles_per_frame)
        return df

    return transform_dataflow(model, cfg, "fold", fold)


def search_folding(df: ModelWrapper, target: int) -> ModelWrapper:
    """FINN+'s SetFolding for its layers (run on a copy without bcnn's own layers, which its
    analysis cannot read, then copied back by name), and the smallest folding meeting the target
    for bcnn's layers (their worst-case cycles)."""
    finn_view = ModelWrapper(copy.deepcopy(df.model))
    for node in [n for n in finn_view.graph.node if n.op_type in BCNN_FOLDING]:
        finn_view.graph.node.remove(node)
    finn_view = finn_view.transform(SetFolding(target, two_pass_relaxation=True))
    folded = {n.name: n for n in finn_view.graph.node}
    for node in df.graph.node:
        if node.name in folded:
            node.CopyFrom(folded[node.name])
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


def step_insert_width_converters(model: ModelWrapper, cfg) -> ModelWrapper:
    """Insert data width converters where a producer's and a consumer's stream widths differ
    (after bit-width minimization, so the converters see the final widths)."""

    return transform_dataflow(model, cfg, "insert_width_converters", lambda df: insert_converters(df, cfg.fpga_part))


def insert_converters(df: ModelWrapper, fpga_part: str) -> ModelWrapper:
    df = df.transform(InsertDWC())
    df = df.transform(SpecializeLayers(fpga_part))  # the new converters
    return df.transform(GiveUniqueNodeNames())
