"""unshare_activations: a binary activation (and the -1 border after it) read by several layers
gets a copy per layer (UnshareBinaryActivations)."""
import numpy as np
import pytest
from onnx import helper

from build_flows.transformation.unshare_activations import UnshareBinaryActivations

from .graphs import QONNX, apply_once, assert_same_function, assert_unchanged, f32, i64, make_model, random_tensor

C, H, W, OUT = 2, 4, 4, 3


def shared_activation(readers=2, border=True):
    """x -> BipolarQuant -> [Pad(-1)] -> `readers` 3x3 convolutions (SoFAr's fractal columns)."""
    rng = np.random.default_rng(0)
    nodes = [helper.make_node("BipolarQuant", ["x", "scale"], ["act"], domain=QONNX, name="act")]
    if border:
        nodes.append(helper.make_node("Pad", ["act", "pads", "minus_one"], ["padded"], name="border"))
    nodes += [helper.make_node("Conv", ["padded" if border else "act", f"w{k}"], [f"y{k}"],
                               pads=[0] * 4 if border else [1] * 4) for k in range(readers)]
    inits = {"scale": f32(1.0), "pads": i64([0, 0, 1, 1, 0, 0, 1, 1]), "minus_one": f32(-1.0)}
    inits.update({f"w{k}": random_tensor(rng, "BIPOLAR", (OUT, C, 3, 3)) for k in range(readers)})
    return make_model(nodes, {"x": [1, C, H, W]}, {f"y{k}": [1, OUT, H, W] for k in range(readers)}, inits)


def shared_weights():
    """Two convolutions of x sharing one binarized weight tensor: a BipolarQuant of weights."""
    nodes = [helper.make_node("BipolarQuant", ["w", "scale"], ["binary_w"], domain=QONNX)]
    nodes += [helper.make_node("Conv", ["x", "binary_w"], [f"y{k}"], pads=[1] * 4) for k in range(2)]
    inits = {"scale": f32(1.0), "w": random_tensor(np.random.default_rng(0), "FLOAT32", (OUT, C, 3, 3))}
    return make_model(nodes, {"x": [1, C, H, W]}, {f"y{k}": [1, OUT, H, W] for k in range(2)}, inits)


@pytest.mark.parametrize("readers, border", [(2, True), (3, False)], ids=["two padded readers", "three readers"])
def test_each_layer_gets_its_own_activation(readers, border):
    model = shared_activation(readers, border)
    after, changed = apply_once(UnshareBinaryActivations(), model)
    assert changed
    chain = ["BipolarQuant", "Pad"] if border else ["BipolarQuant"]
    for k in range(readers):
        conv = next(n for n in after.graph.node if n.output[0] == f"y{k}")
        tensor, ops = conv.input[0], []
        while tensor != "x":  # back up the conv's input to the graph input
            producer = after.find_producer(tensor)
            assert len(after.find_consumers(tensor)) == 1, f"{tensor} is still shared"
            ops.insert(0, producer.op_type)
            tensor = producer.input[0]
        assert ops == chain
    assert sum(n.op_type == "BipolarQuant" for n in after.graph.node) == readers
    names = [n.name for n in after.graph.node if n.op_type in chain]
    assert len(set(names)) == len(names)  # copies are named apart
    assert_same_function(model, after, {"x": random_tensor(np.random.default_rng(1), "FLOAT32", (1, C, H, W))})


@pytest.mark.parametrize("variant", ["one reader", "shared weights"])
def test_activation_of_one_layer_or_weights_stays_shared(variant):
    model = shared_activation(readers=1) if variant == "one reader" else shared_weights()
    assert_unchanged(UnshareBinaryActivations(), model)
