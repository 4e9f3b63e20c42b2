"""A corpus of user-style models, each a few of the patterns users write for binary and few-bit
classifiers, small enough to build and simulate in CI. Together they cover: input normalised
inside and outside the model; QuantIdentity / QuantHardTanh / QuantReLU activations of 1 to 8
bits, signed and unsigned; weights of 1 to 8 bits; biases; BatchNorm; kernels 1/3/5, strides 1/2,
zero padding 0/1/2 (on binary streams too); depthwise convolutions; max and average pooling (2x2,
3x3 stride 2); global average pooling; residual adds with identity, strided 1x1 convolution and
average-pool shortcuts; channel concatenation; ReActNet's learnable sign threshold. (Not a 1-bit
QuantReLU: Brevitas 0.13 exports it as a +-1 quantizer, which checks.py refuses by name.)

`make_model(spec, seed)` gives a model as a user would hand it over after random init: seeded
weights, and BatchNorm statistics drawn per channel around the data each norm sees (so that every
channel gets its own thresholds and every output level occurs)."""
import torch
from torch import nn

from ..random_init import randomize_norms
from .net import Shift, UserNet

NORMALIZED_MEAN, NORMALIZED_STD = 0.5, 0.5  # torchvision Normalize((0.5,), (0.5,)): x in [-1, 1]


def _block(out: int, k: int = 3, stride: int = 1, pad: int = 1, bits: int = 1, act: str = "sign",
           act_bits: int = 1, bias: bool = False) -> list:
    """conv -> BatchNorm -> activation, the unit every CNN repeats."""
    return [{"op": "conv", "out": out, "k": k, "stride": stride, "pad": pad, "bits": bits, "bias": bias},
            {"op": "bn"}, {"op": "act", "kind": act, "bits": act_bits}]


def _head(classes: int = 10, bits: int = 1) -> list:
    return [{"op": "flatten"}, {"op": "linear", "out": classes, "bits": bits}]


PIXELS_8BIT = {"op": "quant_input", "bits": 8, "signed": False}
SIGNED_8BIT = {"op": "quant_input", "bits": 8, "signed": True}

CORPUS = {
    # BNN-PYNQ's shape: valid convolutions, max pool, binary classifier
    "bnn_pynq_style": {"input": [1, 10, 10], "layers": [
        PIXELS_8BIT, *_block(8, pad=0), {"op": "maxpool", "k": 2}, *_block(8, pad=0), *_head()]},
    # the seeds' block: binary 3x3 convolutions with padding=1, a strided one, 5x5 with padding 2, 1x1;
    # input normalised outside the model into a signed 8-bit quantizer
    "binary_same_padding": {"input": [3, 12, 12], "normalized": True, "layers": [
        SIGNED_8BIT, *_block(8), *_block(8, stride=2), *_block(6, k=5, pad=2), *_block(8, k=1, pad=0), *_head()]},
    # few-bit: 2-bit QuantReLU with 2-bit weights, 4-bit QuantHardTanh with 4-bit weights, biases
    "few_bit_relu_hardtanh": {"input": [3, 8, 8], "layers": [
        PIXELS_8BIT, *_block(6, bits=2, act="relu", act_bits=2, bias=True),
        *_block(6, stride=2, bits=4, act="hardtanh", act_bits=4, bias=True), *_head(bits=2)]},
    # normalisation inside the model, 8-bit weights and activations, 3x3/2 max pool with padding
    "normalize_inside_w8a8": {"input": [3, 8, 8], "layers": [
        {"op": "normalize", "mean": [0.5, 0.4, 0.3], "std": [0.25, 0.3, 0.2]}, SIGNED_8BIT,
        *_block(4, bits=8, act="identity", act_bits=8), {"op": "maxpool", "k": 3, "stride": 2, "pad": 1},
        *_head(bits=8)]},
    # depthwise 3x3 between pointwise convolutions: 2-bit, then binary (+-1 input, 1-bit weights)
    # with zero padding
    "depthwise_separable": {"input": [3, 8, 8], "layers": [
        PIXELS_8BIT, *_block(8, bits=2, act="relu", act_bits=2),
        {"op": "conv", "out": 8, "k": 3, "pad": 1, "bits": 2, "groups": 8}, {"op": "bn"},
        {"op": "act", "kind": "relu", "bits": 2}, *_block(8, k=1, pad=0, bits=2, act="sign"),
        {"op": "conv", "out": 8, "k": 3, "pad": 1, "bits": 1, "groups": 8}, {"op": "bn"},
        {"op": "act", "kind": "sign"}, *_head()]},
    # ReActNet's learnable per-channel shift before the sign; 3-bit unsigned QuantReLU, 3-bit weights
    "reactnet_shift": {"input": [1, 8, 8], "layers": [
        PIXELS_8BIT, {"op": "conv", "out": 8, "k": 3, "pad": 0, "bits": 1}, {"op": "bn"}, {"op": "shift"},
        {"op": "act", "kind": "sign"}, *_block(8, pad=0, bits=3, act="relu", act_bits=3), *_head()]},
    # average pooling: 2x2, 3x3 stride 2, and a global-average-pooling head whose means a 4-bit
    # quantizer reads before the flatten (as Bi-Real-style heads are written)
    "average_pooling": {"input": [1, 12, 12], "layers": [
        PIXELS_8BIT, *_block(8, act="relu", act_bits=2, bits=2), {"op": "avgpool", "k": 2},
        {"op": "act", "kind": "relu", "bits": 2}, *_block(8, bits=2, act="relu", act_bits=2),
        {"op": "avgpool", "k": 3, "stride": 2}, {"op": "act", "kind": "relu", "bits": 2},
        *_block(8, act="sign"), {"op": "gap"}, {"op": "act", "kind": "identity", "bits": 4}, *_head()]},
    # residual blocks: an identity shortcut, then a strided 1x1 convolution and an average-pool
    # shortcut, each join quantized by one shared 8-bit quantizer as Brevitas' ResNets do
    "residual_shortcuts": {"input": [1, 8, 8], "layers": [
        PIXELS_8BIT, *_block(8, act="identity", act_bits=8),
        {"op": "residual", "bits": 8, "body": [{"op": "act", "kind": "sign"}, *_block(8)[:2]], "shortcut": []},
        {"op": "residual", "bits": 8, "body": [{"op": "act", "kind": "sign"}, *_block(8, stride=2)[:2]],
         "shortcut": [{"op": "conv", "out": 8, "k": 1, "stride": 2, "pad": 0, "bits": 1}, {"op": "bn"}]},
        {"op": "residual", "bits": 8, "body": [{"op": "act", "kind": "sign"}, *_block(8, stride=2)[:2]],
         "shortcut": [{"op": "avgpool", "k": 2}]},
        {"op": "act", "kind": "sign"}, *_head()]},
    # the seeds' network at CIFAR's input size (the corpus test trains it briefly): a binary ResNet
    # with padding=1 convolutions, strided 1x1 downsampling shortcuts, a global-average-pooling head
    "resnet_32x32": {"input": [3, 32, 32], "normalized": True, "layers": [
        SIGNED_8BIT, *_block(8, bits=4, act="identity", act_bits=8),
        {"op": "residual", "bits": 8, "body": [{"op": "act", "kind": "sign"}, *_block(8)[:2]], "shortcut": []},
        {"op": "act", "kind": "identity", "bits": 8},
        {"op": "residual", "bits": 8, "body": [{"op": "act", "kind": "sign"}, *_block(16, stride=2)[:2]],
         "shortcut": [{"op": "conv", "out": 16, "k": 1, "stride": 2, "pad": 0, "bits": 1}, {"op": "bn"}]},
        {"op": "act", "kind": "identity", "bits": 8},
        {"op": "residual", "bits": 8, "body": [{"op": "act", "kind": "sign"}, *_block(16, stride=2)[:2]],
         "shortcut": [{"op": "conv", "out": 16, "k": 1, "stride": 2, "pad": 0, "bits": 1}, {"op": "bn"}]},
        {"op": "act", "kind": "identity", "bits": 8}, {"op": "gap"}, *_head(bits=4)]},
    # a dense connection: the block's input concatenated with its output
    "channel_concat": {"input": [1, 8, 8], "layers": [
        PIXELS_8BIT, *_block(4, pad=0, act="identity", act_bits=4),
        {"op": "concat", "body": [{"op": "act", "kind": "sign"}, *_block(4, act="identity", act_bits=4)]},
        {"op": "act", "kind": "sign"}, *_head()]},
}


def calibration_normalize(spec: dict) -> nn.Module:
    """What the model's inputs go through before it: pixels / 255, normalised when the spec says so."""
    if spec.get("normalized"):
        return _Normalized()
    return nn.Identity()


class _Normalized(nn.Module):
    def forward(self, x):
        return (x - NORMALIZED_MEAN) / NORMALIZED_STD


def make_model(spec: dict, seed: int = 0) -> UserNet:
    """The spec's network with seeded weights, shifts and per-channel norm statistics drawn around
    the inputs it will see (normalised ones when the spec says so)."""
    torch.manual_seed(seed)
    model = UserNet(spec)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, Shift):
                module.bias.copy_(torch.rand(module.bias.shape, generator=generator) - 0.5)
    randomize_norms(nn.Sequential(calibration_normalize(spec), model), model.in_shape, seed)
    return model.eval()


def build_options(spec: dict) -> dict:
    """The BuildConfig options a spec's model needs (its input normalisation)."""
    if spec.get("normalized"):
        return {"input_mean": [NORMALIZED_MEAN], "input_std": [NORMALIZED_STD]}
    return {}
