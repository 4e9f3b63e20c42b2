"""The fastest folding that fits a board, by FINN+'s estimates: the slowest layer sets the frame
rate, so only it is given more lanes, one step at a time, while the whole design stays within
the budget (LUT <= lut_cap of the board's, BRAM18 <= the board's).

A step raises the bottleneck's SIMD to its next divisor of the folded dimension, then its PE
(matrix-vector units: input lanes first, as FINN+'s SetFolding does); a layer with one folding
attribute raises that. The search stops when the bottleneck cannot grow (fully parallel), when its
next step would leave the budget (any other layer's growth could not raise the rate), or when the
pipeline is already as fast as the board's data movement feeds it (more lanes would cost LUTs and
deliver no more frames: analysis/data_movement.py). Where the
step is over the budget in block RAM only, weight memories move to LUTs (emptiest BRAM first)
while LUTs last (weights_to_luts)."""
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from ..boards import Board
from ..analysis.data_movement import data_movement, dataflow_sides
from ..analysis.estimates import layer_estimates
from ..analysis.fit import Usage, fits
from .rules import BCNN_FOLDING, FOLDED_DIMENSIONS, divisors, layer_kind

BRAM18_BITS = 18 * 1024
# Folding attributes in the order a bottleneck raises them, by layer kind
RAISE_ORDER = {"MVAU": (("SIMD", "MW"), ("PE", "MH")), "FracMVAU": (("SIMD", "MW"), ("PE", "MH"))}


def fold_dimensions(op_type: str) -> tuple:
    kind = layer_kind(op_type)
    if kind in RAISE_ORDER:
        return RAISE_ORDER[kind]
    return BCNN_FOLDING.get(op_type) or FOLDED_DIMENSIONS.get(kind, ())


def next_step(inst, dimensions) -> tuple | None:
    """(attribute, value) of the next wider folding of one layer, None when fully parallel."""
    for attr, dim_attr in dimensions:
        now, dim = inst.get_nodeattr(attr), inst.get_nodeattr(dim_attr)
        wider = [d for d in divisors(dim) if d > now]
        if wider:
            return attr, wider[0]
    return None


def depthwise_partner(df: ModelWrapper, node):
    """The layer whose lanes must equal `node`'s: a depthwise sliding window streams channel folds
    outside kernel positions, so its SIMD and its consumer's PE (a pool) fold the same channels in
    the same order; a width converter between different foldings would reorder the window."""
    if layer_kind(node.op_type) == "ConvolutionInputGenerator" and getCustomOp(node).get_nodeattr("depthwise"):
        consumer = df.find_consumer(node.output[0])
        return (consumer, "PE") if consumer is not None and "PE" in getCustomOp(consumer).get_nodeattr_types() else None
    producer = df.find_producer(node.input[0])
    if (producer is not None and layer_kind(producer.op_type) == "ConvolutionInputGenerator"
            and getCustomOp(producer).get_nodeattr("depthwise")):
        return producer, "SIMD"
    return None


def within(layers: list, board: Board, lut_cap: float, lut_per_estimate: float) -> bool:
    totals = {k: sum(x[k] for x in layers) for k in ("lut", "bram_18k", "uram", "dsp")}
    return fits(Usage.from_estimates(totals, lut_per_estimate), board, lut_cap)


def bram_fill(layer: dict, inst) -> float:
    """Share of its block RAM a layer's weights fill: a wide, shallow weight memory (many lanes,
    few words) takes whole BRAM18s for a few bits each."""
    bits = inst.get_nodeattr("MW") * inst.get_nodeattr("MH") * inst.get_input_datatype(1).bitwidth()
    return bits / (layer["bram_18k"] * BRAM18_BITS)


def weights_to_luts(df: ModelWrapper, board: Board, lut_cap: float, lut_per_estimate: float) -> list:
    """When block RAM is what no longer fits: move weight memories to LUTs (ram_style distributed),
    the emptiest BRAM first, until the design fits. -> the layers moved ([] and nothing changed
    when moving cannot make it fit: LUTs run out first)."""
    moved = []
    while True:
        layers = {x["name"]: x for x in layer_estimates(df, board.part)}
        if within(list(layers.values()), board, lut_cap, lut_per_estimate):
            return [name for name, _ in moved]
        if sum(x["bram_18k"] for x in layers.values()) <= board.bram_18k:
            break  # LUTs are over: more weights in LUTs would only add to them
        candidates = [(bram_fill(layers[n.name], getCustomOp(n)), n) for n in df.graph.node
                      if "ram_style" in getCustomOp(n).get_nodeattr_types() and layer_kind(n.op_type) in RAISE_ORDER
                      and layers[n.name]["bram_18k"] > 0]
        if not candidates:
            break
        inst = getCustomOp(min(candidates, key=lambda c: c[0])[1])
        moved.append((inst.onnx_node.name, inst.get_nodeattr("ram_style")))
        inst.set_nodeattr("ram_style", "distributed")
    for name, style in moved:
        getCustomOp(df.get_node_from_name(name)).set_nodeattr("ram_style", style)
    return []


def fastest_folding(df: ModelWrapper, board: Board, lut_cap: float = 0.85, lut_per_estimate: float = 1.0,
                    target_cycles: int = 0, from_current: bool = False) -> list:
    """Fold `df` (in place) from one lane per layer up (`from_current`: from its folding now), ->
    the search's steps; with `target_cycles`, stop once the bottleneck takes no more.
    `lut_per_estimate` scales FINN+'s LUT estimates to what synthesis makes of them."""
    nodes = [n for n in df.graph.node if fold_dimensions(n.op_type)]
    for node in [] if from_current else nodes:
        inst = getCustomOp(node)
        for attr, _ in fold_dimensions(node.op_type):
            inst.set_nodeattr(attr, 1)
    history = []
    while True:
        layers = layer_estimates(df, board.part)
        cycles = {x["name"]: x["cycles"] for x in layers}
        bottleneck = max(nodes, key=lambda n: cycles[n.name])
        inst = getCustomOp(bottleneck)
        step = next_step(inst, fold_dimensions(bottleneck.op_type))
        entry = {"bottleneck": bottleneck.name, "cycles": cycles[bottleneck.name],
                 "lut": sum(x["lut"] for x in layers), "bram_18k": sum(x["bram_18k"] for x in layers)}
        if cycles[bottleneck.name] <= target_cycles:
            history.append({**entry, "stop": "target reached"})
            return history
        if step is None:
            history.append({**entry, "stop": "bottleneck fully parallel"})
            return history
        moving = data_movement(dataflow_sides(df), board.ps, clock_mhz=1.0)
        if moving["port_cycles"] is not None and cycles[bottleneck.name] <= moving["port_cycles"]:
            history.append({**entry, "stop": f"{moving['by']} moves a frame in {moving['port_cycles']} "
                                             "cycles: a faster pipeline would deliver no more frames"})
            return history
        attr, value = step
        before = inst.get_nodeattr(attr)
        inst.set_nodeattr(attr, value)
        partner = depthwise_partner(df, bottleneck)
        if partner:
            partner_inst, partner_attr = getCustomOp(partner[0]), partner[1]
            partner_before = partner_inst.get_nodeattr(partner_attr)
            partner_inst.set_nodeattr(partner_attr, value)
        fits = within(layer_estimates(df, board.part), board, lut_cap, lut_per_estimate)
        moved = [] if fits else weights_to_luts(df, board, lut_cap, lut_per_estimate)
        if not fits and not moved:
            inst.set_nodeattr(attr, before)
            if partner:
                partner_inst.set_nodeattr(partner_attr, partner_before)
            history.append({**entry, "stop": f"{bottleneck.name} {attr}={value} would exceed the budget"})
            return history
        history.append({**entry, "raised": f"{attr}={value}", **({"weights_in_luts": moved} if moved else {})})
