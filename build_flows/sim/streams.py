"""What each stream of the accelerator must carry: the dataflow graph executed node by node in
python (FINN+'s reference execution of every layer), each node's output laid out as the layer
streams it, and the comparison of recorded streams with it.

A layer's stream is its folded output shape, innermost dimension per beat, element 0 in the
lowest bits; a depthwise sliding window streams channel folds outside kernel positions."""
import hashlib
from dataclasses import dataclass
from math import prod

import numpy as np
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_node, execute_onnx
from qonnx.custom_op.registry import getCustomOp
from qonnx.util.basic import get_preferred_qonnx_opset

from models.errors import BcnnError

from . import verilator as vl

MAX_ELEMENTS_SHOWN = 64


def codes(values: np.ndarray, dt: DataType) -> np.ndarray:
    """Stream codes of FINN+ values: bipolar {-1, +1} travels as {0, 1}; integers as themselves."""
    values = np.asarray(values)
    if dt == DataType["BIPOLAR"]:
        return (values > 0).astype(np.int64)
    return values.astype(np.int64)


@dataclass
class StreamLayout:
    """How one layer's output stream is laid out."""

    name: str
    dtype: DataType
    elems: int  # elements per beat
    beats_per_frame: int
    depthwise: tuple | None  # (kernel positions, channels, SIMD) of a depthwise sliding window

    @classmethod
    def of(cls, node, port: int = 0) -> "StreamLayout":
        inst = getCustomOp(node)
        folded = inst.get_folded_output_shape(port)
        depthwise = None
        if node.op_type.startswith("ConvolutionInputGenerator") and inst.get_nodeattr("depthwise"):
            depthwise = (prod(inst.get_nodeattr("ConvKernelDim")), inst.get_nodeattr("IFMChannels"),
                         inst.get_nodeattr("SIMD"))
        name = node.name if len(node.output) == 1 else f"{node.name} output {port}"
        return cls(name, inst.get_output_datatype(port), int(folded[-1]), int(prod(folded[:-1])), depthwise)

    def beats(self, tensor: np.ndarray) -> np.ndarray:
        """One frame's output tensor -> (beats, elems) stream codes."""
        t = np.asarray(tensor)
        if self.depthwise:
            k, channels, simd = self.depthwise
            t = t.reshape(-1, k, channels // simd, simd).transpose(0, 2, 1, 3)
        return codes(t.reshape(-1, self.elems), self.dtype)

    def unpack(self, words: np.ndarray) -> np.ndarray:
        return vl.unpack(words, self.dtype.bitwidth(), self.elems, signed=self.dtype.signed())


def layouts(df: ModelWrapper) -> list:
    """Every stream's layout, in the stitcher's order: producers in graph order, then output port."""
    return [StreamLayout.of(node, port) for node in df.graph.node for port in range(len(node.output))]


def dataflow_input(model: ModelWrapper, frame: np.ndarray) -> np.ndarray:
    """The accelerator's input tensor for one frame: the host nodes before the partition, executed."""
    sdp = model.get_nodes_by_op_type("StreamingDataflowPartition")[0]
    x = frame[None]
    index = model.get_node_index(sdp)
    if index == 0:
        return x
    ctx = execute_onnx(model, {model.graph.input[0].name: x}, return_full_exec_context=True,
                       end_node=model.graph.node[index - 1])
    return ctx[sdp.input[0]]


def dataflow_outputs(view: ModelWrapper, df_input: np.ndarray) -> list:
    """Every stream's tensor of the (python-executable) dataflow graph, in layouts' order.

    Each node runs FINN+'s python execution, as qonnx's execute_onnx runs it, but without
    execute_onnx's sanitizing pass over every tensor (a Python-level max over all elements: about
    80 % of the reference's time on cnv_w1a1). Instead, each integer-typed output must already hold
    values of its datatype: one that does not is an error here, where execute_onnx would round it."""
    ctx = view.make_empty_exec_context()
    ctx[view.graph.input[0].name] = df_input
    opsets = view.get_opset_imports()
    for node in view.graph.node:
        execute_node(node, ctx, view.graph, opsets.get(node.domain, get_preferred_qonnx_opset()))
        for tensor in node.output:
            dt = view.get_tensor_datatype(tensor)
            if dt.is_integer() and not np.all(dt.allowed(ctx[tensor])):
                raise BcnnError(f"python execution of {node.name}: output {tensor} holds values outside {dt.name}")
    return [ctx[tensor] for node in view.graph.node for tensor in node.output]


@dataclass
class Mismatch:
    stage: str
    frame: int
    beat: int  # within the frame
    element: int  # first differing element of that beat
    shown_from: int  # expected/got hold the beat's elements from this one on (at most 64)
    expected: list
    got: list

    def describe(self) -> str:
        at = self.element - self.shown_from
        return (f"stage {self.stage}, frame {self.frame}, beat {self.beat}, element {self.element}: "
                f"expected {self.expected[at]}, got {self.got[at]}")


def first_difference(layout: StreamLayout, frame: int, want: np.ndarray, got: np.ndarray) -> Mismatch | None:
    if np.array_equal(want, got):
        return None
    beat, element = (int(i[0]) for i in np.nonzero(want != got))
    lo = max(0, element - MAX_ELEMENTS_SHOWN // 2)
    window = slice(lo, lo + MAX_ELEMENTS_SHOWN)
    return Mismatch(layout.name, frame, beat, element, lo, want[beat, window].tolist(), got[beat, window].tolist())


def words_digest(layout: StreamLayout, words: np.ndarray) -> bytes:
    """A digest of one frame's beats on a stream as words, only the bits its elements use (a
    recorded stream may carry more words, or padding bits above its elements)."""
    bits = layout.elems * layout.dtype.bitwidth()
    used = np.array(np.asarray(words, dtype="<u4")[:, :vl.words_per_beat(bits)], copy=True)
    if bits % 32:
        used[:, -1] &= np.uint32((1 << (bits % 32)) - 1)
    return hashlib.blake2b(used.tobytes(), digest_size=16).digest()


def reference_digests(view: ModelWrapper, df_inputs: list, checked: list, last_only: bool = False,
                      observe=None) -> list:
    """Per frame, per stream in `checked`: the digest of the words the python execution says it
    carries. Needs no simulation result, so it runs while the simulation does (vl.run's
    while_running), and keeps 16 bytes per frame and stream instead of the tensors."""
    digests = []
    for df_in in df_inputs:
        outputs = dataflow_outputs(view, df_in)
        if observe is not None:
            observe(df_in, outputs)
        tensors = outputs[-1:] if last_only else outputs
        digests.append([words_digest(s, vl.pack(s.beats(t), s.dtype.bitwidth())) for s, t in zip(checked, tensors)])
    return digests


def compare_streams(view: ModelWrapper, df_inputs: list, checked: list, recorded: list, expected: list,
                    last_only: bool = False):
    """Compare recorded streams ((beats, words) per layout in `checked`: every layer's, or with
    `last_only` the accelerator's output alone) with the python execution of each frame, whose
    digests `expected` holds (reference_digests of the same frames and streams, computed while the
    simulation ran).

    -> (per-stream results, the first Mismatch in frame then stage order or None, frames that
    differ). A stream with lost or extra beats fails every frame without a beat comparison; the
    exception is a layer that has run ahead into the frame after the last (a padding layer emits
    the next frame's top border before any of its input exists, and the layers after it follow):
    fewer beats than a frame more are `next_frame_beats`, not compared. A frame's stream whose
    words have the expected digest is equal; only a frame that differs is executed again, to say
    where."""
    frames = len(df_inputs)
    per_stream = []
    for s, words in zip(checked, recorded):
        expected_beats, ahead = frames * s.beats_per_frame, len(words) - frames * s.beats_per_frame
        per_stream.append({"stage": s.name, "beats": len(words), "expected_beats": expected_beats,
                           "next_frame_beats": max(ahead, 0), "count_ok": 0 <= ahead < s.beats_per_frame,
                           "mismatched_frames": 0})
    first, bad_frames = None, set()
    for f, df_in in enumerate(df_inputs):
        outputs = None
        for i, (entry, layout, words) in enumerate(zip(per_stream, checked, recorded)):
            if not entry["count_ok"]:
                bad_frames.add(f)
                continue
            bpf = layout.beats_per_frame
            got = words[f * bpf:(f + 1) * bpf]
            if words_digest(layout, got) == expected[f][i]:
                continue
            if outputs is None:
                outputs = dataflow_outputs(view, df_in)
            tensor = (outputs[-1:] if last_only else outputs)[i]
            diff = first_difference(layout, f, layout.beats(tensor), layout.unpack(got))
            if diff:
                entry["mismatched_frames"] += 1
                bad_frames.add(f)
                first = first or diff
    return per_stream, first, bad_frames
