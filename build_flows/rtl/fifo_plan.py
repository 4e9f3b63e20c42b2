"""The streams of a dataflow graph and the FIFO before each consumer: its width and depth (the
default, raised where a layer's input pattern needs more, and each join's waiting input sized by
shortcut_depth.py). The stitched RTL instantiates exactly these FIFOs."""
import math

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from build_flows.custom_op.base import BcnnRTLOp
from hw.memfiles import block_ram_18k
from models.errors import BcnnError

from .fifo_cost import fifo_cost, in_lut_ram, ultra_ram
from .shortcut_depth import (frame_elements, join_buffer, join_requirements, layer_need, padding_burst, stream_need,
                             through, window_fill)
from .top_source import Stream


def vector_beats(consumer) -> int:
    """Beats of one input vector of a matrix-vector unit that replays it over several neuron folds.

    Such a unit reads its input only during the first fold; a FIFO that can hold a whole vector lets
    the producer deliver the next vector meanwhile, otherwise both stall in turn (measured: SFC at
    PE=SIMD=1 ran at 1.86x its analytic cycles with 32-deep FIFOs)."""
    attrs = consumer.get_nodeattr_types()
    if not all(a in attrs for a in ("MW", "MH", "PE", "SIMD")):
        return 0
    neuron_folds = consumer.get_nodeattr("MH") // consumer.get_nodeattr("PE")
    return consumer.get_nodeattr("MW") // consumer.get_nodeattr("SIMD") if neuron_folds > 1 else 0


def stream_inputs(df: ModelWrapper, node) -> list:
    """A layer's streamed inputs (weights and thresholds are initializers, not streams)."""
    return [t for t in node.input if df.get_initializer(t) is None]


def port_widths(df: ModelWrapper, node) -> tuple[list, list]:
    """A layer's stream widths in bits as its RTL has them, inputs then outputs: FINN+'s wrappers
    pad every stream to whole bytes, bcnn's modules do not (stitch.py checks each stage's ports
    against these)."""
    inst = getCustomOp(node)
    inputs = range(len(stream_inputs(df, node)))
    if isinstance(inst, BcnnRTLOp):
        return [inst.get_instream_width(i) for i in inputs], [inst.get_outstream_width(p) for p in range(len(node.output))]
    return ([inst.get_instream_width_padded(i) for i in inputs],
            [inst.get_outstream_width_padded(p) for p in range(len(node.output))])


def streams_of(df: ModelWrapper, fifo_depth: int, widths: list | None = None) -> list:
    """Every stream, in producer order; FIFOs at the default depth (a matrix-vector unit's input
    one whole vector at least, a sliding window's its first window's rows, a padding's what
    arrives while it streams the border between frames). `widths`: each layer's (input, output)
    stream widths (default: port_widths)."""
    widths = widths or [port_widths(df, n) for n in df.graph.node]
    index = {n.name: i for i, n in enumerate(df.graph.node)}
    interval = max((getCustomOp(n).get_exp_cycles() for n in df.graph.node), default=0)
    outputs = {o.name for o in df.graph.output}
    streams = []
    for i, node in enumerate(df.graph.node):
        for port, tensor in enumerate(node.output):
            consumers = df.find_consumers(tensor) or []
            if tensor in outputs:
                streams.append(Stream(tensor, i, port, None, 0, widths[i][1][port]))
                continue
            if len(consumers) != 1:
                raise BcnnError(f"layer '{node.name}': output {tensor} feeds {len(consumers)} layers; a stream "
                                "fork needs a DuplicateStreams layer (InferDuplicateStreamsLayer)")
            dst = index[consumers[0].name]
            dst_port = stream_inputs(df, consumers[0]).index(tensor)
            width = max(widths[i][1][port], widths[dst][0][dst_port])
            consumer = getCustomOp(consumers[0])
            elements_per_beat = consumer.get_folded_input_shape()[-1]
            fill = math.ceil(window_fill(df, consumers[0]) / elements_per_beat)
            border = math.ceil(padding_burst(consumers[0], interval) / elements_per_beat)
            depth = max(fifo_depth, vector_beats(consumer), fill, border)
            streams.append(Stream(tensor, i, port, dst, dst_port, width, depth))
    return streams


def nearest_common_fork(df: ModelWrapper, tensors: list):
    """The last fork (in graph order) that every one of `tensors` depends on, or None."""
    def forks_above(tensor, seen):
        producer = df.find_producer(tensor)
        if producer is None or producer.name in seen:
            return set()
        seen.add(producer.name)
        found = {producer.name} if producer.op_type.startswith("DuplicateStreams") else set()
        for t in stream_inputs(df, producer):
            found |= forks_above(t, seen)
        return found

    common = set.intersection(*(forks_above(t, set()) for t in tensors))
    order = [n.name for n in df.graph.node]
    return df.get_node_from_name(max(common, key=order.index)) if common else None


def branch_nodes(df: ModelWrapper, tensor: str, fork) -> list:
    """The layers between `fork` and `tensor` (exclusive), in graph order."""
    found, stack = set(), [tensor]
    while stack:
        producer = df.find_producer(stack.pop())
        if producer is None or producer.name == fork.name or producer.name in found:
            continue
        found.add(producer.name)
        stack.extend(stream_inputs(df, producer))
    return [n for n in df.graph.node if n.name in found]


def branch_buffering(branch: list, by_tensor: dict, fork_frame: int) -> int:
    """What the FIFOs into a branch's layers hold, in the fork's elements (a FIFO after a sliding
    window holds windows: each element stands for fewer of the fork's), at most one frame: further
    ahead a branch only runs into the next frame, which the analytic rate does not need.

    Counted up to the first layer that needs its whole input frame before its first output (DGRL's
    pixel sum): the join takes the frame the other side holds only once that layer has seen all of
    it, so nothing the branch buffers from there on lets the fork run further ahead (measured:
    DGRL's ResNet-20 at 1.0000x its analytic cycles with its SI joins' FIFOs at the deadlock-free
    frame, 16,384 words, as with the two frames the cap of one frame gave them)."""
    total = 0
    for node in branch:
        need, _ = layer_need(node)
        if need[0] == frame_elements(getCustomOp(node).get_normal_input_shape()):
            break
        inst = getCustomOp(node)
        stream = by_tensor[node.input[0]]
        elems = inst.get_folded_input_shape()[-1]
        frame = frame_elements(inst.get_normal_input_shape())
        total += stream.depth * elems * fork_frame // frame
    return min(total, fork_frame)


JOIN_KINDS = ("ElementwiseAdd", "StreamingConcat")


def size_shortcuts(df: ModelWrapper, streams: list) -> list:
    """Give each join's waiting inputs (a residual's shortcut, the shorter of two fractal columns,
    a dense block's earlier features) the FIFO depth that keeps the block deadlock-free
    (shortcut_depth.py); -> what each buffers, for stitch.json. An adding join sizes the input that
    waits longest; a concatenation every input that holds elements while another is awaited."""
    by_tensor = {s.tensor: s for s in streams}
    sized = []
    for join in df.graph.node:
        inputs = stream_inputs(df, join)
        if not join.op_type.startswith(JOIN_KINDS) or len(inputs) < 2:
            continue
        fork = nearest_common_fork(df, inputs)
        if fork is None:
            continue
        fork_inst, join_inst = getCustomOp(fork), getCustomOp(join)
        fork_elems = fork_inst.get_folded_output_shape()[-1]
        fork_frame = frame_elements(fork_inst.get_normal_output_shape())
        memo = {}
        needs = [stream_need(df, t, fork, memo) for t in inputs]
        required = join_requirements(join)
        at_join = [through(need, r) for (need, _), r in zip(needs, required)]
        branches = [branch_nodes(df, t, fork) for t in inputs]
        buffered = [branch_buffering(b, by_tensor, fork_frame) for b in branches]
        exact = all(e for _, e in needs)
        candidates = []
        for wait, tensor in enumerate(inputs):
            others = [i for i in range(len(inputs)) if i != wait]
            longest = max(others, key=lambda i: int(at_join[i].sum()))
            share = frame_elements(join_inst.get_normal_input_shape(wait)) / fork_frame
            buffer = join_buffer(needs[wait][0], np.max([at_join[i] for i in others], axis=0),
                                 df.find_producer(tensor).name == fork.name, fork_elems,
                                 join_inst.get_folded_input_shape(wait)[-1],
                                 math.ceil(max(buffered[i] for i in others) * share), exact,
                                 taken=np.concatenate([[0], required[wait][:-1]]))
            candidates.append((buffer, by_tensor[tensor], branches[longest]))
        if join.op_type.startswith("ElementwiseAdd"):
            candidates = [max(candidates, key=lambda c: c[0].lead_elements)]
        for buffer, short, long_branch in candidates:
            if buffer.lead_elements <= 0:
                continue
            short.depth, short.shortcut = buffer.depth, True
            sized.append({"join": join.name, "fork": fork.name, "fifo": f"{df.find_producer(short.tensor).name}->{join.name}",
                          "depth": buffer.depth, "deadlock_free_depth": buffer.deadlock_free_depth,
                          "width": short.width, "bits": buffer.depth * short.width,
                          "long_branch": [n.name for n in long_branch], "lead_elements": buffer.lead_elements,
                          "branch_buffer_elements": buffer.branch_buffer_elements, "exact": buffer.exact})
    return sized


def plan_fifos(df: ModelWrapper, fifo_depth: int, depth_overrides: dict | None = None,
               widths: list | None = None, uram: int = 0) -> tuple[list, list]:
    """-> (every stream with the FIFO before its consumer, the joins' sized inputs): what
    stitch.py instantiates and the estimates count. `depth_overrides`: FIFO name
    (producer->consumer) -> depth, replacing the default or computed one; `uram`: the part's
    UltraRAMs (place_in_ultra_ram)."""
    streams = streams_of(df, fifo_depth, widths)
    shortcuts = size_shortcuts(df, streams)
    fifos = [s for s in streams if s.dst is not None]
    fifo_names = [fifo_name(df, s) for s in fifos]
    for name, depth in (depth_overrides or {}).items():
        if name not in fifo_names or depth < 1:
            raise BcnnError(f"FIFO depth {name}={depth}: FIFOs are named producer->consumer, here "
                            f"{', '.join(fifo_names)}; depths are at least 1")
        fifos[fifo_names.index(name)].depth = depth
    place_in_ultra_ram(fifos, uram)
    return streams, shortcuts


def fifo_name(df: ModelWrapper, stream: Stream) -> str:
    return f"{df.graph.node[stream.src].name}->{df.graph.node[stream.dst].name}"


def place_in_ultra_ram(fifos: list, uram: int) -> None:
    """With `uram` UltraRAMs on the part, the FIFOs that would take block RAM move to UltraRAM,
    the most block RAM first, while it lasts; those that do not fit stay in block RAM ("block":
    asked for, so that synthesis with UltraRAM enabled does not move them by its own costs). The
    layers keep the block RAM: their weights and thresholds have initial contents, which UltraRAM
    cannot hold."""
    if uram <= 0:
        return
    blocks = sorted((s for s in fifos if s.depth >= 2 and not in_lut_ram(s.width, s.depth)),
                    key=lambda s: -block_ram_18k(s.width, s.depth))
    left = uram
    for stream in blocks:
        need = ultra_ram(stream.width, stream.depth)
        stream.ram_style = "ultra" if need <= left else "block"
        left -= need if need <= left else 0


def fifo_totals(df: ModelWrapper, family: str, fifo_depth: int, depth_overrides: dict | None = None,
                uram: int = 0) -> dict:
    """The stitched FIFOs of `df` (fifo_plan.py) on `family`, with `uram` UltraRAMs on the part,
    summed: count, lut (LUT RAM included), lutram, bram_18k, uram."""
    streams, _ = plan_fifos(df, fifo_depth, depth_overrides, uram=uram)
    costs = [fifo_cost(s.width, s.depth, family, s.ram_style) for s in streams if s.dst is not None]
    return {"count": len(costs), "lut": sum(c.lut for c in costs), "lutram": sum(c.lutram for c in costs),
            "bram_18k": sum(c.bram_18k for c in costs), "uram": sum(c.uram for c in costs)}
