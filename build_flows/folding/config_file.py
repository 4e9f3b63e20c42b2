"""A FINN folding-config JSON (`--folding`, the format of finn-examples: node name -> attributes,
plus optional "Defaults"), loaded and checked before it is applied: every entry must name a
layer of this design, every attribute must exist on that layer, and every PE/SIMD must divide
the dimension it folds."""
import json
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from models.errors import BcnnError

from .grow_bottleneck import depthwise_partner
from .rules import FOLDED_DIMENSIONS, divisors, layer_kind


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
    """The folding with layers named as they are at folding time: a build's reports name bcnn's
    layers by what they are (MVAU_bcnn_3: the fourth matrix-vector unit of the design), which at
    folding time is the fourth node of that kind, whatever its backend then (MVAU_hls_3, or a
    bcnn op made before folding, such as a zero-padded binary convolution's MVAU_bcnn_0)."""
    nodes = {n.name for n in df.graph.node}
    renamed = {}
    for name, attrs in config.items():
        kind, sep, index = name.rpartition("_bcnn_")
        if name not in nodes and sep and index.isdigit():
            of_kind = [n.name for n in df.graph.node if layer_kind(n.op_type) == kind]
            name = of_kind[int(index)] if int(index) < len(of_kind) else name
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
