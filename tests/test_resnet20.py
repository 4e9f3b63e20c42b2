"""ResNet-20 (models/topologies/resnet20.py), IR-Net's CIFAR-10 network: its published shape in
torch, and in hardware at narrow width: zero-padded binary 3x3 convolutions, stride-2 units whose
shortcut is a strided binary 1x1 convolution, a global-average-pooled head; every stream
bit-exact under backpressure at the analytic interval."""
import json
from dataclasses import replace

import pytest
import torch
from brevitas.nn import QuantConv2d
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from build_flows.boards import get_board
from build_flows.config import BuildConfig
from build_flows.custom_op.thresholding import BLOCK_DEPTH
from build_flows.flow import run_build
from build_flows.rtl.fifo_plan import fifo_name, fifo_totals, plan_fifos
from build_flows.rtl.stitch import DEFAULT_FIFO_DEPTH
from build_flows.rtl.threshold_memory import FitThresholdMemories, block_ram
from models.blocks.layers import PadBinary
from models.export import export_model
from models.random_init import randomize_norms
from models.recipes import get_recipe
from models.registry import build_model
from models.topologies.resnet20 import ResNet20
from tests.streams import simulate_bit_exact

NARROW = ((4, 1), (8, 1), (8, 1))  # the same three stages, one basic block each, for CI


def binary_convs(model):
    convs = [m for m in model.modules() if isinstance(m, QuantConv2d)]
    return [c for c in convs if c.kernel_size == (3, 3)], [c for c in convs if c.kernel_size == (1, 1)]


@pytest.mark.parametrize("method", ["ste", "irnet", "bireal", "dgrl", "fracbnn"])
def test_resnet20_has_the_published_shape(method):
    model = build_model("resnet20", method=method).eval()
    windows, strided_1x1 = binary_convs(model)
    convs = windows + strided_1x1
    # stem + 18, zero padding 1 (FracBNN's thermometer stem pads its code with -1 instead, and its
    # fractional units their binary maps: a -1-padded window is what that unit's hardware reads)
    pads = [m for m in model.stages.modules() if isinstance(m, PadBinary)]
    assert len(windows) == 19 and all(c.padding == ((0, 0) if method == "fracbnn" else (1, 1)) for c in windows[1:])
    assert len(pads) == (18 if method == "fracbnn" else 0) and all(p.padding == (1, 1) for p in pads)
    assert len(strided_1x1) == 2 and all(c.stride == (2, 2) for c in strided_1x1)  # option B shortcuts
    assert [c.out_channels for c in windows[1:]] == [16] * 6 + [32] * 6 + [64] * 6
    assert isinstance(model.head[0], torch.nn.AdaptiveAvgPool2d)
    weights = sum(c.weight.numel() for c in convs) + model.head[3].weight.numel()
    assert 0.26e6 < weights < 0.28e6  # He et al.: 0.27 M parameters
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 10)


@pytest.mark.parametrize("method", ["bireal", "dgrl"])
def test_resnet18_is_bireal18_for_32x32_inputs(method):
    """Four stages of two basic blocks at 64/128/256/512 channels on 32/16/8/4 px, a 3x3 stem at
    stride 1, option-B shortcuts entering stages 2-4: 11.17 M parameters (He et al.'s CIFAR form)."""
    model = build_model("resnet18", method=method).eval()
    windows, strided_1x1 = binary_convs(model)
    assert windows[0].stride == (1, 1) and all(c.padding == (1, 1) for c in windows[1:])
    assert [c.out_channels for c in windows[1:]] == [64] * 4 + [128] * 4 + [256] * 4 + [512] * 4
    assert [c.out_channels for c in strided_1x1] == [128, 256, 512] and all(c.stride == (2, 2) for c in strided_1x1)
    seen = {}
    model.head[0].register_forward_hook(lambda module, inputs, output: seen.update(map=inputs[0].shape))
    assert model(torch.rand(2, 3, 32, 32)).shape == (2, 10) and seen["map"] == (2, 512, 4, 4)
    weights = sum(c.weight.numel() for c in windows + strided_1x1) + model.head[3].weight.numel()
    assert 11.1e6 < weights < 11.2e6


# ResNet-18's shape (four stages of two basic blocks, 1x1 shortcuts entering stages 2-4), narrow, for CI
NARROW_RESNET18 = ((4, 2), (8, 2), (8, 2), (8, 2))


def build_narrow(tmp_path_factory, method: str, stages=NARROW):
    """A random-init ResNet-20 (or, with NARROW_RESNET18, ResNet-18) of narrow width on 16x16
    inputs with `method`'s parts."""
    torch.manual_seed(0)
    model = ResNet20(get_recipe(method).parts("resnet20"), in_shape=(3, 16, 16), stages=stages)
    randomize_norms(model, model.in_shape, 0)
    root = tmp_path_factory.mktemp(f"resnet{'18' if len(stages) == 4 else '20'}_{method}")
    export_model(model, root / "m.onnx")
    return run_build(BuildConfig(model=str(root / "m.onnx"), out=str(root / "build")), show_progress=False)


@pytest.fixture(scope="module")
def narrow_build(tmp_path_factory):
    """Bi-Real's parts: binary units with a shortcut around each."""
    return build_narrow(tmp_path_factory, "bireal")


def test_resnet20_maps_to_zero_padded_binary_convolutions_and_strided_shortcuts(narrow_build):
    df = ModelWrapper(str(narrow_build / "dataflow.onnx"))
    ops = [n.op_type for n in df.graph.node]
    assert all(op.endswith(("_bcnn", "_rtl")) for op in ops)
    padded = [n for n in df.get_nodes_by_op_type("MVAU_bcnn") if any(a.name == "zeroPadBorder" for a in n.attribute)]
    assert len(padded) == 6  # every binary 3x3 convolution of the stages
    assert ops.count("ElementwiseAdd_bcnn") == 6 and ops.count("DuplicateStreams_bcnn") >= 6
    # the stem's +-1 weights on 8-bit pixels: one bit each and +-x products, whatever their type
    stages = json.loads((narrow_build / "rtl" / "stitch.json").read_text())["stages"]
    stem = next(st for st in stages if st["op_type"] == "MVAU_bcnn")
    assert stem["params"]["IN_BITS"] == 8 and stem["params"]["W_BIPOLAR"] and stem["params"]["W_BITS"] == 1


@pytest.mark.parametrize("backpressure", [False, True], ids=["full_rate", "backpressure"])
def test_resnet20_streams_bit_exact_at_the_analytic_interval(narrow_build, tmp_path, backpressure):
    simulate_bit_exact(narrow_build, tmp_path, frames=2, backpressure=backpressure, min_streams=30)
    assert json.loads((narrow_build / "report" / "estimates.json").read_text())["fits_board"]




@pytest.fixture(scope="module")
def narrow_fracbnn_build(tmp_path_factory):
    """FracBNN's parts: a thermometer stem, fractional units that pad with -1, and downsampling
    shortcuts reading the sign the fractional unit also takes."""
    return build_narrow(tmp_path_factory, "fracbnn")

def test_fracbnn_resnet20_streams_bit_exact_under_backpressure(narrow_fracbnn_build, tmp_path):
    ops = [n.op_type for n in ModelWrapper(str(narrow_fracbnn_build / "dataflow.onnx")).graph.node]
    # six fractional 3x3 units; the two strided 1x1 shortcuts binary MVAUs beside the stem's
    assert ops[0] == "Thermometer_bcnn" and ops.count("FracMVAU_bcnn") == 6 and ops.count("MVAU_bcnn") == 4
    report = simulate_bit_exact(narrow_fracbnn_build, tmp_path, frames=2, backpressure=True, min_streams=30)
    assert all(0.0 < layer["lsb_skipped_fraction"] < 1.0 for layer in report["fractional_gating"]["layers"])


def test_dgrl_resnet20_streams_bit_exact_under_backpressure(tmp_path_factory, tmp_path):
    """DGRL's Squeeze-and-Interaction branch beside every unit of equal shape: a pixel sum, a
    binary FC stage and a broadcast into the unit's join."""
    design = build_narrow(tmp_path_factory, "dgrl")
    ops = [n.op_type for n in ModelWrapper(str(design / "dataflow.onnx")).graph.node]
    assert ops.count("BroadcastPixels_bcnn") == 4 and ops.count("ElementwiseAdd_bcnn") >= 10
    simulate_bit_exact(design, tmp_path, frames=2, backpressure=True, min_streams=40)


def test_resnet18_shape_streams_bit_exact_under_backpressure(tmp_path_factory, tmp_path):
    """Bi-Real's ResNet-18 at CI size: its four stages of two units, three strided 1x1 shortcuts
    (the full network is bench/seeds_at_scale's, on a U250)."""
    design = build_narrow(tmp_path_factory, "bireal", NARROW_RESNET18)
    ops = [n.op_type for n in ModelWrapper(str(design / "dataflow.onnx")).graph.node]
    assert ops.count("ElementwiseAdd_bcnn") == 16  # Bi-Real: a shortcut around each of a unit's two convolutions
    simulate_bit_exact(design, tmp_path, frames=2, backpressure=True, min_streams=40)


def test_setfolding_at_a_high_target_keeps_every_layer_in_its_place(narrow_build):
    """FINN+'s SetFolding names its nodes again in its own graph order, which differs from the
    build's once bcnn's layers are out of its view; copying its folding back by name wired the
    classifier in as the stem (a build at 400,000 FPS failed its verification)."""
    from qonnx.analysis.topology import nodes_topologically_sorted
    from qonnx.custom_op.registry import getCustomOp

    from build_flows.folding.search import search_folding

    df = ModelWrapper(str(narrow_build / "intermediate" / "dataflow_specialize.onnx"))
    wiring = [(n.name, n.op_type, list(n.input), list(n.output)) for n in df.graph.node]
    df = search_folding(df, 250)
    assert [(n.name, n.op_type, list(n.input), list(n.output)) for n in df.graph.node] == wiring
    assert df.analysis(nodes_topologically_sorted)["nodes_topologically_sorted"]
    assert max(getCustomOp(n).get_nodeattr("SIMD") for n in df.get_nodes_by_op_type("MVAU_hls")) > 1


def test_the_fifo_before_each_padding_holds_what_arrives_during_its_border(narrow_build):
    from qonnx.custom_op.registry import getCustomOp

    from build_flows.rtl.shortcut_depth import padding_burst

    df = ModelWrapper(str(narrow_build / "dataflow.onnx"))
    stitch = json.loads((narrow_build / "rtl" / "stitch.json").read_text())
    depths = dict(zip(stitch["fifo_names"], stitch["fifo_depths"]))
    interval = json.loads((narrow_build / "report" / "estimates.json").read_text())["analytic_cycles_per_frame"]
    checked = 0
    for name, depth in depths.items():
        consumer = df.get_node_from_name(name.split("->")[1])
        if consumer.op_type.startswith("FMPadding"):
            per_beat = getCustomOp(consumer).get_folded_input_shape()[-1]
            assert depth * per_beat >= padding_burst(consumer, interval) > 0, name
            checked += 1
    assert checked >= 6


def test_thresholds_every_channel_shares_are_stored_once(narrow_build):
    """The requantization after every join compares all channels with one set of thresholds: it
    is stored once per lane (the streams test above checks the result bit-exact), and estimated so."""
    import numpy as np
    from qonnx.custom_op.registry import getCustomOp

    df = ModelWrapper(str(narrow_build / "dataflow.onnx"))
    shared = [n for n in df.get_nodes_by_op_type("Thresholding_bcnn") if getCustomOp(n).get_nodeattr("sharedThresholds")]
    assert len(shared) >= 6  # one after each of the six joins
    for node in shared:
        thresholds = df.get_initializer(node.input[1])
        assert np.all(thresholds == thresholds[:1])
        op = getCustomOp(node)
        folds = op.get_nodeattr("NumChannels") // op.get_nodeattr("PE")
        assert max(op.stage_depths()) == 2 ** (len(op.stage_depths()) - 1)  # one fold's entries, not `folds`
        assert folds > 1
    params = json.loads((narrow_build / "rtl" / "stitch.json").read_text())
    assert any(stage["params"].get("MEM_FOLDS") == 1 for stage in params["stages"] if stage["name"] in
               {n.name for n in shared})

def test_thresholds_leave_block_ram_where_the_board_has_too_little(narrow_build):
    """A design over the board's block RAM moves its thresholds' shallower block-RAM stages to
    LUTs (FitThresholdMemories, run when the RTL ops are chosen); one that cannot fit even so keeps
    bcnn's default, and the stages the RTL puts in block RAM follow the trigger."""
    board = get_board("Pynq-Z1")
    part = board.part
    df = ModelWrapper(str(narrow_build / "dataflow.onnx"))
    ops = [getCustomOp(n) for n in df.get_nodes_by_op_type("Thresholding_bcnn")]
    before = block_ram(df, part)
    in_block = [op for op in ops if op.bram_estimation(part) > 0]
    assert in_block and all(op.get_nodeattr("depth_trigger_bram") == BLOCK_DEPTH for op in ops)
    stages = {op.onnx_node.name: op.block_from_stage() for op in in_block}
    # one FIFO made deep (as DGRL's SI joins are: a frame): its block RAM counts against the board's
    streams, _ = plan_fifos(df, DEFAULT_FIFO_DEPTH)
    first = next(s for s in streams if s.dst is not None)
    deep = {fifo_name(df, first): 8192}
    fifos = fifo_totals(df, board.family, DEFAULT_FIFO_DEPTH, deep)["bram_18k"]
    assert fifos > fifo_totals(df, board.family, DEFAULT_FIFO_DEPTH)["bram_18k"]
    # a board that holds the layers' block RAM but not the FIFOs' as well: the layers give way
    df = df.transform(FitThresholdMemories(replace(board, bram_18k=before + fifos - 1), DEFAULT_FIFO_DEPTH, deep))
    ops = [getCustomOp(n) for n in df.get_nodes_by_op_type("Thresholding_bcnn")]
    in_block = [op for op in ops if op.onnx_node.name in stages]
    assert block_ram(df, part) <= before - 1
    assert all(op.get_nodeattr("depth_trigger_bram") > BLOCK_DEPTH for op in ops)
    assert any(op.block_from_stage() > stages[op.onnx_node.name] for op in in_block)
    df = ModelWrapper(str(narrow_build / "dataflow.onnx"))
    df = df.transform(FitThresholdMemories(replace(board, bram_18k=before + fifos), DEFAULT_FIFO_DEPTH, deep))  # both fit
    assert block_ram(df, part) == before
    df = df.transform(FitThresholdMemories(replace(board, bram_18k=0), DEFAULT_FIFO_DEPTH))  # out of reach: default kept
    assert all(getCustomOp(n).get_nodeattr("depth_trigger_bram") == BLOCK_DEPTH
               for n in df.get_nodes_by_op_type("Thresholding_bcnn"))
