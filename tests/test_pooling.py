"""Pooling as users write it, bit-exact in hardware: nn.AvgPool2d (2x2 and 3x3 stride 2, with and
without padding) on binary and 2-8 bit activations, nn.AdaptiveAvgPool2d(1) into the classifier
(ReduceMean and GlobalAveragePool), nn.MaxPool2d(3, 2, 1) on unsigned, signed and +-1 activations
and an average-pool shortcut joined by an Add (ResNet-D's downsampling block).

Each model is plain Brevitas (default quantizers, random init, BatchNorm statistics drawn around
the data per channel), exported with brevitas.export.export_qonnx and built to RTL; every stream
between layers is simulated bit-exact against FINN+'s python execution under random backpressure,
the class labels equal torch's, and the activations right after each average pool equal torch's
integer for integer. The classifiers read power-of-two grids with binary weights, so torch's
logits are exact and its argmax ties break as the hardware's (lowest index)."""
import json
import shutil

import numpy as np
import onnx
import pytest
import torch
from brevitas.export import export_qonnx
from brevitas.nn import QuantConv2d, QuantHardTanh, QuantIdentity, QuantLinear, QuantReLU
from brevitas.quant import (Int8ActPerTensorFixedPoint, SignedBinaryActPerTensorConst, SignedBinaryWeightPerTensorConst,
                            Uint8ActPerTensorFixedPoint)
from click.testing import CliRunner
from qonnx.core.modelwrapper import ModelWrapper
from torch import nn

from build_flows.cli import main
from build_flows.config import BuildConfig
from build_flows.finn_env import generic_view
from build_flows.flow import run_build
from build_flows.sim.images import simulate_images
from build_flows.sim.simulate import simulate
from build_flows.sim.streams import dataflow_input, dataflow_outputs
from models.random_init import randomize_norms

FRAMES = 4


class BinaryWeight(SignedBinaryWeightPerTensorConst):
    scaling_const = 1.0  # +-1 weights: the classifier's logits are exact in torch


def binary_act():
    return QuantIdentity(act_quant=SignedBinaryActPerTensorConst)


def grid_act(bits=4):
    """A signed quantizer on a power-of-two grid: the classifier's input."""
    return QuantIdentity(act_quant=Int8ActPerTensorFixedPoint, bit_width=bits)


class Stem(nn.Module):
    """8-bit pixels -> 3x3 convolution (2-bit weights) -> BatchNorm."""

    def __init__(self, channels):
        super().__init__()
        self.inp, self.conv = QuantIdentity(bit_width=8), QuantConv2d(1, channels, 3, padding=1, bias=False, weight_bit_width=2)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x):
        return self.bn(self.conv(self.inp(x)))


class AvgPoolChain(nn.Module):
    """9x9: signed 3-bit -> AvgPool(3, 2) -> unsigned 2-bit -> AvgPool(3, 2, 1) -> unsigned 8-bit ->
    AvgPool(2) -> 4-bit -> classifier."""

    in_shape = (1, 9, 9)

    def __init__(self, channels=4):
        super().__init__()
        self.stem, self.a1 = Stem(channels), QuantHardTanh(bit_width=3, max_val=1.0, min_val=-1.0)
        self.pools = nn.ModuleList([nn.AvgPool2d(3, 2), nn.AvgPool2d(3, 2, 1), nn.AvgPool2d(2)])
        self.pooled = nn.ModuleList([QuantReLU(bit_width=2), QuantReLU(bit_width=8), grid_act()])
        self.fc = QuantLinear(channels, 10, bias=False, weight_quant=BinaryWeight)

    def forward(self, x):
        x = self.a1(self.stem(x))
        for pool, quant in zip(self.pools, self.pooled):
            x = quant(pool(x))
        return self.fc(x.flatten(1))


class BinaryAvgPool(AvgPoolChain):
    """10x10: +-1 -> binary 3x3 convolution (XNOR) -> +-1 -> AvgPool(3, 2, 1) (zero padding) -> +-1 ->
    AvgPool(2) -> 4-bit -> classifier."""

    in_shape = (1, 10, 10)

    def __init__(self, channels=4):
        super().__init__(channels)
        self.a0, self.a1 = binary_act(), binary_act()
        self.conv = QuantConv2d(channels, channels, 3, bias=False, weight_quant=BinaryWeight)
        self.bn = nn.BatchNorm2d(channels)
        self.pools = nn.ModuleList([nn.AvgPool2d(3, 2, 1), nn.AvgPool2d(2)])
        self.pooled = nn.ModuleList([binary_act(), grid_act()])
        self.fc = QuantLinear(channels * 4, 10, bias=False, weight_quant=BinaryWeight)

    def forward(self, x):
        x = self.a1(self.bn(self.conv(self.a0(self.stem(x)))))
        for pool, quant in zip(self.pools, self.pooled):
            x = quant(pool(x))
        return self.fc(x.flatten(1))


class GlobalAvgPool(nn.Module):
    """A ResNet head: activation -> AdaptiveAvgPool2d(1) -> flatten -> QuantLinear (no quantizer between)."""

    in_shape = (1, 6, 6)

    def __init__(self, binary=False, channels=8):
        super().__init__()
        self.stem = Stem(channels)
        self.act = binary_act() if binary else QuantReLU(act_quant=Uint8ActPerTensorFixedPoint, bit_width=4)
        self.pool, self.fc = nn.AdaptiveAvgPool2d(1), QuantLinear(channels, 10, bias=False, weight_quant=BinaryWeight)

    def forward(self, x):
        return self.fc(self.pool(self.act(self.stem(x))).flatten(1))


class MaxPoolChain(nn.Module):
    """8x8: unsigned 4-bit (a ResNet stem) -> MaxPool(3, 2, 1) -> signed 3-bit -> MaxPool(3, 2, 1) ->
    +-1 -> MaxPool(3, 2, 1) -> +-1 -> classifier."""

    in_shape = (1, 8, 8)

    def __init__(self, channels=4):
        super().__init__()
        self.stem = Stem(channels)
        self.acts = nn.ModuleList([QuantReLU(bit_width=4), QuantHardTanh(bit_width=3, max_val=1.0, min_val=-1.0),
                                   binary_act(), binary_act()])
        self.pool, self.fc = nn.MaxPool2d(3, 2, 1), QuantLinear(channels, 10, bias=False, weight_quant=BinaryWeight)

    def forward(self, x):
        x = self.acts[0](self.stem(x))
        for act in self.acts[1:]:
            x = act(self.pool(x))
        return self.fc(x.flatten(1))


class AvgPoolShortcut(nn.Module):
    """ResNet-D's downsampling block: [3x3 stride-2 conv -> BN] + [AvgPool(2) -> 1x1 conv -> BN],
    both on one 8-bit power-of-two grid, joined by an Add."""

    in_shape = (1, 8, 8)

    def __init__(self, cin=4, cout=8):
        super().__init__()
        self.stem, self.block_in = Stem(cin), QuantReLU(act_quant=Uint8ActPerTensorFixedPoint, bit_width=3)
        self.conv = QuantConv2d(cin, cout, 3, stride=2, padding=1, bias=False, weight_bit_width=2)
        self.pool, self.down = nn.AvgPool2d(2), QuantConv2d(cin, cout, 1, bias=False, weight_bit_width=2)
        self.bn, self.down_bn = nn.BatchNorm2d(cout), nn.BatchNorm2d(cout)
        self.q_long, self.q_short, self.out = grid_act(8), grid_act(8), grid_act()
        self.fc = QuantLinear(cout * 16, 10, bias=False, weight_quant=BinaryWeight)

    def forward(self, x):
        x = self.block_in(self.stem(x))
        y = self.q_long(self.bn(self.conv(x))) + self.q_short(self.down_bn(self.down(self.pool(x))))
        return self.fc(self.out(y).flatten(1))


DESIGNS = {"avg_chain": AvgPoolChain, "binary_avg": BinaryAvgPool, "gap": GlobalAvgPool,
           "gap_global": GlobalAvgPool, "gap_binary": lambda: GlobalAvgPool(binary=True),
           "max_chain": MaxPoolChain, "avg_shortcut": AvgPoolShortcut}
# Lanes: the chain at a rate that folds its first pool 4 lanes wide (and its window as wide).
TARGET_FPS = {"avg_chain": 300000.0}


def as_global_average_pool(path) -> None:
    """Rewrite the export's ReduceMean over H, W (keepdims) into a GlobalAveragePool, the other form
    exporters write for AdaptiveAvgPool2d(1)."""
    proto = onnx.load(str(path))
    for node in proto.graph.node:
        if node.op_type == "ReduceMean":
            node.CopyFrom(onnx.helper.make_node("GlobalAveragePool", [node.input[0]], list(node.output), name=node.name))
    onnx.save(proto, str(path))


@pytest.fixture(scope="module")
def design(tmp_path_factory):
    """design(name) -> (build directory, torch model, its QONNX export): built once per module."""
    root, cache = tmp_path_factory.mktemp("pooling"), {}

    def get(name):
        if name not in cache:
            torch.manual_seed(0)
            model = DESIGNS[name]()
            model = randomize_norms(model, model.in_shape).eval()
            path = root / f"{name}.onnx"
            export_qonnx(model, input_t=torch.rand(1, *model.in_shape), export_path=str(path))
            if name == "gap_global":
                as_global_average_pool(path)
            cfg = BuildConfig(model=str(path), out=str(root / name), outputs=["estimates", "rtl", "sim"],
                              target_fps=TARGET_FPS.get(name))
            cache[name] = run_build(cfg, show_progress=False), model, path
        return cache[name]

    return get


def op_types(build) -> list:
    return [n.op_type for n in ModelWrapper(str(build / "dataflow.onnx")).graph.node]


def function(node) -> str:
    return next(a.s.decode() for a in node.attribute if a.name == "Function")


def pool_functions(build) -> list:
    return [function(n) for n in ModelWrapper(str(build / "dataflow.onnx")).get_nodes_by_op_type("Pool_bcnn")]


@pytest.mark.parametrize("name, functions, global_sums", [
    ("avg_chain", ["AccPool"] * 3, 0), ("binary_avg", ["AccPool"] * 2, 0), ("gap", [], 1), ("gap_global", [], 1),
    ("gap_binary", [], 1), ("max_chain", ["MaxPool"] * 3, 0), ("avg_shortcut", ["AccPool"], 0)])
def test_pools_map_to_sum_and_max_pools_on_bcnn_layers(design, name, functions, global_sums):
    build, _, _ = design(name)
    assert pool_functions(build) == functions
    assert op_types(build).count("GlobalSum_bcnn") == global_sums
    model = ModelWrapper(str(build / "model.onnx"))  # nothing of the pools is left on the host
    assert not {n.op_type for n in model.graph.node} & {"AveragePool", "GlobalAveragePool", "ReduceMean", "MaxPool"}


@pytest.mark.parametrize("name", list(DESIGNS))
def test_every_stream_is_bit_exact_under_backpressure_with_torchs_labels(design, name, tmp_path):
    build, model, _ = design(name)
    images = torch.rand(FRAMES, *model.in_shape, generator=torch.Generator().manual_seed(1))
    report, labels_equal = simulate_images(build, model, images, tmp_path / "frames.npy", backpressure=True)
    assert report["bit_exact"] and report["backpressure"], report["first_mismatch"]
    assert labels_equal
    steady = json.loads((build / "sim" / "report.json").read_text())  # the build's own run, full rate
    assert steady["bit_exact"] and steady["cycles_per_frame"] <= 1.05 * steady["analytic_cycles_per_frame"]


def scales_after_average_pools(path) -> list:
    """The scale of the quantizer each AveragePool of the export feeds (through a Relu), in order."""
    model = ModelWrapper(str(path))
    scales = []
    for pool in model.get_nodes_by_op_type("AveragePool"):
        quant = model.find_consumer(pool.output[0])
        if quant.op_type == "Relu":
            quant = model.find_consumer(quant.output[0])
        scales.append(float(model.get_initializer(quant.input[1])) if quant.op_type == "Quant" else 1.0)
    return scales


def torch_codes(model, quants, scales, images) -> list:
    """Each quantizer's integer output (value / its exported scale), NCHW, for the images."""
    seen = {}
    hooks = [q.register_forward_hook(lambda m, args, out, i=i: seen.setdefault(i, out)) for i, q in enumerate(quants)]
    try:
        with torch.no_grad():
            model(images)
    finally:
        for hook in hooks:
            hook.remove()
    return [np.round(seen[i].numpy() / scale, 3) for i, scale in enumerate(scales)]


def after_each_sum_pool(build, frames) -> list:
    """The python execution's output of the layer after each sum pool (its quantizer), NCHW."""
    df, model = ModelWrapper(str(build / "dataflow.onnx")), ModelWrapper(str(build / "model.onnx"))
    view, names = generic_view(df), [n.name for n in df.graph.node]
    outputs = [dataflow_outputs(view, dataflow_input(model, f)) for f in frames]
    found = []
    for pool in [n for n in df.get_nodes_by_op_type("Pool_bcnn") if function(n) == "AccPool"]:
        node = df.find_consumer(pool.output[0])
        while node.op_type.startswith("StreamingDataWidthConverter"):
            node = df.find_consumer(node.output[0])
        index = names.index(node.name)
        found.append(np.concatenate([o[index].transpose(0, 3, 1, 2) for o in outputs]))
    return found


@pytest.mark.parametrize("name", ["avg_chain", "binary_avg"])
def test_the_activation_after_each_average_pool_equals_torchs(design, name):
    """torch == FINN+'s python execution on the requantized average (the simulation then holds the
    RTL to the python execution, stream by stream): rounding at the thresholds the 1/k went into."""
    build, model, path = design(name)
    frames = np.random.default_rng(2).integers(0, 256, size=(FRAMES, *model.in_shape)).astype(np.float32)
    want = torch_codes(model, list(model.pooled), scales_after_average_pools(path), torch.from_numpy(frames / np.float32(255)))
    got = after_each_sum_pool(build, frames)
    assert len(got) == len(want) == len(model.pooled)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert any(len(np.unique(w)) > 2 for w in want)  # the averages do not all round alike


def test_a_sum_pool_that_reads_signed_lanes_as_unsigned_is_caught_at_its_stream(design, tmp_path):
    """The stream check can fail: the chain's first sum pool (signed 3-bit lanes) built to read its
    lanes as unsigned gives wrong sums on the frames where a lane is negative, named at that pool."""
    build, _, _ = design("avg_chain")
    out = tmp_path / "mutated"
    shutil.copytree(build, out)
    core = out / "rtl" / "bcnn_core.sv"
    lines = core.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("bcnn_sumpool #(") and "_Pool_bcnn_0 (" in line)
    assert ".IN_SIGNED(1)" in lines[at]
    lines[at] = lines[at].replace(".IN_SIGNED(1)", ".IN_SIGNED(0)")
    core.write_text("".join(lines))
    report = simulate(out, frames=2)
    assert not report["bit_exact"] and report["first_mismatch"]["stage"] == "Pool_bcnn_0"


REFUSED = [
    (nn.AvgPool2d(3, 2, 1, count_include_pad=False), "count_include_pad=True"),
    (nn.AvgPool2d(2, ceil_mode=True), "ceil_mode=False"),
    (nn.AvgPool2d(2, stride=3), "stride of at most the kernel"),
    (nn.MaxPool2d(2, dilation=2), "dilation 1"),
]


class PoolRefused(nn.Module):
    in_shape = (1, 7, 7)

    def __init__(self, pool):
        super().__init__()
        self.stem, self.act, self.pool = Stem(4), QuantReLU(bit_width=2), pool
        with torch.no_grad():
            width = pool(torch.zeros(1, 4, 7, 7)).numel()
        self.fc = QuantLinear(width, 10, bias=False, weight_quant=BinaryWeight)

    def forward(self, x):
        return self.fc(self.pool(self.act(self.stem(x))).flatten(1))


class FloatPooled(PoolRefused):
    """The pool reads the BatchNorm's float output: no quantizer before it."""

    def forward(self, x):
        return self.fc(self.act(self.pool(self.stem(x))).flatten(1))


class ChannelMean(PoolRefused):
    """A mean over the channels, not the pixels."""

    def __init__(self, pool):
        super().__init__(pool)
        self.fc = QuantLinear(49, 10, bias=False, weight_quant=BinaryWeight)

    def forward(self, x):
        return self.fc(self.act(self.stem(x)).mean(1).flatten(1))


@pytest.mark.parametrize("model, expected", [
    *[(lambda p=p: PoolRefused(p), e) for p, e in REFUSED],
    (lambda: FloatPooled(nn.AvgPool2d(2)), "put a quantizer before it"),
    (lambda: ChannelMean(nn.Identity()), "a mean over the pixels only"),
])
def test_a_pool_that_cannot_be_exact_is_refused_before_the_build_naming_it(model, expected, tmp_path):
    torch.manual_seed(0)
    module = model().eval()
    path = tmp_path / "m.onnx"
    export_qonnx(module, input_t=torch.rand(1, *module.in_shape), export_path=str(path))
    result = CliRunner().invoke(main, ["build", str(path), "--out", str(tmp_path / "build")])
    assert result.exit_code != 0
    message = result.output.strip()
    assert len(message.splitlines()) == 1 and expected in message, message
    assert any(f"'{n.name}'" in message for n in ModelWrapper(str(path)).graph.node
               if n.op_type in ("AveragePool", "MaxPool", "ReduceMean"))
    assert not (tmp_path / "build").exists()
