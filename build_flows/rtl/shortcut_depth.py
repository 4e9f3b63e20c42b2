"""The FIFO a residual's shortcut (or the shorter of a join's two branches) needs so that the
block cannot deadlock, computed from the branches.

A fork hands every word to both branches at once, so it stops when the shortcut's buffer is full.
The join takes element e of the shortcut only together with element e of the long branch, and
the long branch produces element e only after it has read `need(e)` elements of the fork's stream
(a matrix-vector unit its whole input vector, a sliding window the last pixel of its window). So
while the join waits for element e, the shortcut holds elements e .. need(e) - 1: it must hold
max_e (need(e) - e) elements, less the word the fork's own output register keeps. One word less
and the fork stops before the long branch can produce e: a deadlock (tests/test_residual.py
shows it in simulation).

`need` is composed along the branch from each layer's own (elements in streaming order, one
frame); a layer without a model here counts as needing its whole input frame, which is safe
(never too small) but not tight, and is reported as such.

With layers on both branches (SoFAr's fractal columns joined) the same holds with the short side's
own need in place of the identity's (join_buffer).

That depth is the least that cannot deadlock. The FIFO gets more: room for everything the long
branch's own FIFOs can hold ahead, so the block runs at its analytic rate (see join_buffer)."""
import math
from dataclasses import dataclass

import numpy as np
from qonnx.custom_op.registry import getCustomOp

ELEMENTWISE = ("Thresholding", "StreamingDataWidthConverter", "DuplicateStreams", "ElementwiseAdd", "StreamingFIFO")


def _kind(op_type: str) -> str:
    return op_type.rsplit("_", 1)[0] if op_type.endswith(("_bcnn", "_hls", "_rtl")) else op_type


def frame_elements(shape) -> int:
    return int(np.prod(shape[1:]))  # one frame (the batch axis first)


def layer_need(node) -> tuple[np.ndarray, bool]:
    """need[e]: input elements (of one frame, streaming order) the layer must have read before it
    can emit its output element e; and whether that is the layer's exact behaviour."""
    inst = getCustomOp(node)
    kind = _kind(node.op_type)
    n_out = frame_elements(inst.get_normal_output_shape())
    e = np.arange(n_out)
    if kind in ELEMENTWISE:
        return e + 1, True
    if kind in ("MVAU", "FracMVAU"):  # a fractional unit's LSB pass rereads the vector it holds
        mw, mh = inst.get_nodeattr("MW"), inst.get_nodeattr("MH")
        return (e // mh + 1) * mw, True
    if kind == "GlobalSum":  # a pixel sum is known after the frame's last pixel
        return np.full(n_out, frame_elements(inst.get_normal_input_shape())), True
    if kind in ("RepeatChannels", "BroadcastPixels"):  # the first copy passes through, the others replay
        channels, repeats = inst.get_nodeattr("NumChannels"), inst.get_nodeattr("Repeats")
        pixel, within = e // (channels * repeats), e % (channels * repeats)
        return pixel * channels + np.where(within < channels, within + 1, channels), True
    if kind == "FMPadding":
        return padding_need(inst), True
    if kind == "ConvolutionInputGenerator" and not inst.get_nodeattr("depthwise"):
        return window_need(inst), True
    return np.full(n_out, frame_elements(inst.get_normal_input_shape())), False


def padding_need(inst) -> np.ndarray:
    """A real pixel's element needs itself and everything before it; a border element needs what
    the element before it needed (the layer emits in order)."""
    (h, w), (top, left, bottom, right) = inst.get_nodeattr("ImgDim"), inst.get_nodeattr("Padding")
    channels = inst.get_nodeattr("NumChannels")
    rows, cols = np.arange(h + top + bottom) - top, np.arange(w + left + right) - left
    inside = (rows[:, None] >= 0) & (rows[:, None] < h) & (cols[None] >= 0) & (cols[None] < w)
    pixel = np.where(inside, rows[:, None] * w + cols[None], -1).reshape(-1)
    need = np.where(pixel[:, None] >= 0, pixel[:, None] * channels + np.arange(channels) + 1, 0).reshape(-1)
    return np.maximum.accumulate(need)


def window_need(inst) -> np.ndarray:
    """Output (pixel, kernel position, channel): the input pixel under that kernel position."""
    kh, kw = inst.get_nodeattr("ConvKernelDim")
    (_, iw), (oh, ow) = inst.get_nodeattr("IFMDim"), inst.get_nodeattr("OFMDim")
    (sh, sw), (dh, dw) = inst.get_nodeattr("Stride"), inst.get_nodeattr("Dilation")
    channels = inst.get_nodeattr("IFMChannels")
    oy, ox, ky, kx = np.meshgrid(np.arange(oh), np.arange(ow), np.arange(kh), np.arange(kw), indexing="ij")
    pixel = ((oy * sh + ky * dh) * iw + ox * sw + kx * dw).reshape(-1)
    need = pixel[:, None] * channels + np.arange(channels) + 1
    return np.maximum.accumulate(need.reshape(-1))


@dataclass
class ShortcutBuffer:
    deadlock_free_depth: int  # the least FIFO words on the shortcut's stream that cannot deadlock
    depth: int  # that plus the long branch's own buffering: the branch can run ahead at full rate
    lead_elements: int  # the most elements the waiting side holds ahead of the other (max_e (need(e) - e) for an identity shortcut)
    branch_buffer_elements: int  # what the long branch's FIFOs hold, in the fork's elements
    exact: bool  # every layer of the long branch has an exact need model


def branch_need(nodes: list) -> tuple[np.ndarray, bool]:
    """need of a chain of layers (first to last), in the first layer's input elements."""
    need, exact = None, True
    for node in nodes:
        own, own_exact = layer_need(node)
        exact &= own_exact
        need = own if need is None else need[own - 1]
    return need, exact


def stream_need(df, tensor: str, fork, memo: dict | None = None) -> tuple[np.ndarray | None, bool]:
    """need of `tensor`'s elements in the elements of `fork`'s stream, through any layers, other
    forks and joins between them (a join needs element e of each input: the largest need); None
    when the tensor does not depend on that fork. `memo`: tensors already solved for this fork
    (a stream reached on several paths is composed once)."""
    memo = {} if memo is None else memo
    if tensor not in memo:
        memo[tensor] = _stream_need(df, tensor, fork, memo)
    return memo[tensor]


def _stream_need(df, tensor: str, fork, memo: dict) -> tuple[np.ndarray | None, bool]:
    producer = df.find_producer(tensor)
    if producer is None:
        return None, True
    if producer.name == fork.name:
        return np.arange(frame_elements(getCustomOp(fork).get_normal_output_shape())) + 1, True
    inputs = [t for t in producer.input if df.get_initializer(t) is None]
    if len(inputs) > 1:  # a join: output e needs what each input's required elements need
        needs = [(stream_need(df, t, fork, memo), r) for t, r in zip(inputs, join_requirements(producer))]
        found = [(through(need, r), exact) for (need, exact), r in needs if need is not None]
        if not found:
            return None, True
        return np.max([n for n, _ in found], axis=0), all(exact for _, exact in found)
    upstream, exact = stream_need(df, inputs[0], fork, memo)
    if upstream is None:
        return None, True
    own, own_exact = layer_need(producer)
    return upstream[own - 1], exact and own_exact


def join_requirements(node) -> list:
    """r_i[e]: elements of stream input i a join has taken once it emits its output element e. An
    adding join takes element e of every input; a concatenation takes, pixel by pixel, all of input
    0's channels, then input 1's, and so on."""
    inst = getCustomOp(node)
    n_out = frame_elements(inst.get_normal_output_shape())
    if _kind(node.op_type) != "StreamingConcat":
        return [np.arange(n_out) + 1 for _ in range(len(node.input))]
    return concat_requirements(inst.get_nodeattr("ChannelsPerStream"), n_out)


def concat_requirements(channels: list, n_out: int) -> list:
    pixel, channel = np.divmod(np.arange(n_out), sum(channels))
    offsets = np.cumsum([0, *channels[:-1]])
    return [pixel * c + np.clip(channel - offset + 1, 0, c) for c, offset in zip(channels, offsets)]


def through(need: np.ndarray, required: np.ndarray) -> np.ndarray:
    """The need of the last of `required` elements (0 where none is required yet)."""
    return np.where(required > 0, need[np.maximum(required, 1) - 1], 0)


def join_buffer(need_wait: np.ndarray, need_other: np.ndarray, identity: bool, fork_elems_per_word: int,
                fifo_elems_per_word: int, branch_buffer_elements: int = 0, exact: bool = True,
                taken: np.ndarray | None = None) -> ShortcutBuffer:
    """The FIFO into a join on the side that waits (`need_wait`, its elements' needs in the fork's
    elements) for the others (`need_other[e]`: what the join's output element e needs of the fork
    through the other inputs). While the join waits for output e, the fork has sent need_other(e)
    elements, so the waiting side has produced every element whose need is at most that: the FIFO
    must hold them, less the `taken[e]` the join has already taken from it (e for an adding join).
    An identity side (no layer between fork and join) has need(k) = k + 1, which makes this
    max_e (need_other(e) - e), and the fork's own output register holds one of its words.
    `branch_buffer_elements`: what the other side's FIFOs hold, in the waiting side's elements:
    every element the branch buffers ahead has its twin waiting here, so without room for them
    the fork stops the branch short of its buffers (measured: resnet_small, 256-deep FIFOs
    elsewhere: 1.0135x its analytic cycles at the deadlock-free depth, 1.0000x with this)."""
    produced = np.searchsorted(need_wait, need_other, side="right")
    taken = np.arange(len(need_other)) if taken is None else taken
    lead = int(np.max(produced - taken))
    held = lead - fork_elems_per_word if identity else lead
    tight = math.ceil(max(held, 1) / fifo_elems_per_word)
    full_rate = tight + math.ceil(branch_buffer_elements / fifo_elems_per_word)
    return ShortcutBuffer(tight, full_rate, lead, branch_buffer_elements, exact)


def window_fill(df, node) -> int:
    """Input elements a sliding window (and the padding before it, when `node` is that padding)
    reads before its first window is complete: 0 for other layers. A FIFO in front that holds
    them lets the producer fill the window rows of the next frame while this one is finished,
    which two layers at one rate need (measured: resnet_small 1.065x its analytic cycles with
    32-deep FIFOs there)."""
    producer = df.find_producer(node.input[0])
    if producer is not None and _kind(producer.op_type) == "FMPadding":
        return 0  # the FIFO before the padding holds them
    chain = [node]
    if _kind(node.op_type) == "FMPadding":
        chain += [c for c in (df.find_consumers(node.output[0]) or [])][:1]
    last = chain[-1]
    if _kind(last.op_type) != "ConvolutionInputGenerator" or getCustomOp(last).get_nodeattr("depthwise"):
        return 0
    swg = getCustomOp(last)
    need, _ = branch_need(chain)
    return int(need[math.prod(swg.get_nodeattr("ConvKernelDim")) * swg.get_nodeattr("IFMChannels") - 1])


def padding_burst(node, interval: int) -> int:
    """Input elements that reach a padding layer (`node`) while it streams the border between two
    frames, the bottom rows of one and the top rows of the next, reading nothing, when its producer
    runs at the design's `interval` (cycles per frame): a FIFO in front that holds them keeps the
    producer, and through a fork the residual's shortcut, from stalling there once per frame
    (measured: ResNet-20 at 10,000 FPS, 1.026x its analytic cycles without them, 1.007x with;
    the window's own fill stays in front of the window when a width converter sits between them:
    1.025x when it moves in front of the padding)."""
    if _kind(node.op_type) != "FMPadding" or interval <= 0:
        return 0
    inst = getCustomOp(node)
    (h, w), (top, left, bottom, right) = inst.get_nodeattr("ImgDim"), inst.get_nodeattr("Padding")
    channels, simd = inst.get_nodeattr("NumChannels"), inst.get_nodeattr("SIMD")
    border_cycles = ((top + bottom) * (w + left + right) + left + right) * channels / simd
    return math.ceil(border_cycles * h * w * channels / interval)
