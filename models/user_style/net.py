"""Binary and few-bit CNNs as Brevitas users write them, built from a spec.

Nothing here is bcnn's: plain `brevitas.nn` layers with Brevitas' own quantizers (binary weights
and activations by SignedBinary*PerTensorConst, few-bit ones by the default Int8*PerTensorFloat
at another bit width), torch's BatchNorm, pooling and padding, biases where users leave them on.
A spec is a JSON-able dict, so that a corpus entry (corpus.py) and a fuzzer's draw (fuzz.py) are
the same kind of thing and a failing draw is reproducible from its spec alone:

    {"input": [C, H, W], "normalized": bool, "layers": [layer, ...]}

`normalized`: the model expects torchvision-normalised inputs in [-1, 1] (x = (p/255 - 0.5) / 0.5,
done outside the model); otherwise pixels / 255. A layer is a dict with "op":
  quant_input {bits, signed}        the first quantizer (QuantIdentity, or QuantReLU if unsigned)
  normalize {mean, std}              input normalisation inside the model (per channel)
  conv {out, k, stride, pad, bits, bias, groups}    QuantConv2d (groups = channels: depthwise)
  linear {out, bits, bias}           QuantLinear
  bn                                 BatchNorm2d / BatchNorm1d
  act {kind, bits}                   kind: sign (binary +-1), identity (QuantIdentity), relu
                                     (QuantReLU), hardtanh (QuantHardTanh)
  shift                              ReActNet's learnable per-channel shift before a sign
  maxpool / avgpool {k, stride, pad} nn.MaxPool2d / nn.AvgPool2d
  gap                                nn.AdaptiveAvgPool2d(1)
  flatten
  pad {amount, value}                nn.ConstantPad2d (e.g. a binary layer's -1 border by hand)
  residual {body, shortcut, bits}    out = q(body(x)) + q(shortcut(x)) (layer lists; [] = identity),
                                     q one QuantIdentity of `bits` shared by both branches, as
                                     Brevitas' own quantized ResNets do (shared_quant_act); without
                                     bits, out = body(x) + shortcut(x)
  concat {body}                      out = cat([x, body(x)], channels)"""
import torch
from brevitas import nn as qnn
from brevitas.quant import SignedBinaryActPerTensorConst, SignedBinaryWeightPerTensorConst
from torch import nn


def _weight_quant(bits: int) -> dict:
    if bits == 1:
        return {"weight_quant": SignedBinaryWeightPerTensorConst}
    return {"weight_bit_width": bits}


def _act(kind: str, bits: int) -> nn.Module:
    if kind == "sign" or (kind == "identity" and bits == 1):
        return qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst)
    if kind == "relu":
        return qnn.QuantReLU(bit_width=bits)
    if kind == "hardtanh":
        return qnn.QuantHardTanh(bit_width=bits, min_val=-1.0, max_val=1.0)
    return qnn.QuantIdentity(bit_width=bits)


class Shift(nn.Module):
    """ReActNet's RSign threshold: a learnable per-channel shift added before the sign."""

    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x):
        return x + self.bias


class Normalize(nn.Module):
    """(x - mean) / std per channel, inside the model."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).reshape(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).reshape(1, -1, 1, 1))

    def forward(self, x):
        return (x - self.mean) / self.std


class Residual(nn.Module):
    def __init__(self, body: nn.Module, shortcut: nn.Module, shared_quant: nn.Module | None = None):
        super().__init__()
        self.body, self.shortcut, self.shared_quant = body, shortcut, shared_quant or nn.Identity()

    def forward(self, x):
        return self.shared_quant(self.body(x)) + self.shared_quant(self.shortcut(x))


class Concat(nn.Module):
    def __init__(self, body: nn.Module):
        super().__init__()
        self.body = body

    def forward(self, x):
        return torch.cat([x, self.body(x)], dim=1)


class Flatten(nn.Module):
    def forward(self, x):
        return x.flatten(1)


def _out_size(size: int, k: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - k) // stride + 1


def build_layers(layers: list, shape: tuple) -> tuple:
    """(nn.Sequential, output shape) for `layers` on an input of `shape` ((C, H, W) or (F,))."""
    modules = []
    for layer in layers:
        op = layer["op"]
        if op == "quant_input":
            module = _act("identity" if layer.get("signed", True) else "relu", layer.get("bits", 8))
        elif op == "normalize":
            module = Normalize(layer["mean"], layer["std"])
        elif op == "conv":
            k, stride, pad, groups = layer.get("k", 3), layer.get("stride", 1), layer.get("pad", 0), layer.get("groups", 1)
            module = qnn.QuantConv2d(shape[0], layer["out"], k, stride=stride, padding=pad, groups=groups,
                                     bias=layer.get("bias", False), **_weight_quant(layer.get("bits", 1)))
            shape = (layer["out"], _out_size(shape[1], k, stride, pad), _out_size(shape[2], k, stride, pad))
        elif op == "linear":
            module = qnn.QuantLinear(shape[0], layer["out"], bias=layer.get("bias", False),
                                     **_weight_quant(layer.get("bits", 1)))
            shape = (layer["out"],)
        elif op == "bn":
            module = nn.BatchNorm2d(shape[0]) if len(shape) == 3 else nn.BatchNorm1d(shape[0])
        elif op == "act":
            module = _act(layer.get("kind", "sign"), layer.get("bits", 1))
        elif op == "shift":
            module = Shift(shape[0])
        elif op in ("maxpool", "avgpool"):
            k = layer.get("k", 2)
            stride, pad = layer.get("stride", k), layer.get("pad", 0)
            module = (nn.MaxPool2d if op == "maxpool" else nn.AvgPool2d)(k, stride=stride, padding=pad)
            shape = (shape[0], _out_size(shape[1], k, stride, pad), _out_size(shape[2], k, stride, pad))
        elif op == "pad":
            amount = layer["amount"]
            module = nn.ConstantPad2d(amount, float(layer.get("value", 0.0)))
            shape = (shape[0], shape[1] + 2 * amount, shape[2] + 2 * amount)
        elif op == "gap":
            module, shape = nn.AdaptiveAvgPool2d(1), (shape[0], 1, 1)
        elif op == "flatten":
            module, shape = Flatten(), (int(torch.tensor(shape).prod()),)
        elif op == "residual":
            body, body_shape = build_layers(layer["body"], shape)
            shortcut, short_shape = build_layers(layer.get("shortcut", []), shape)
            if body_shape != short_shape:
                raise ValueError(f"residual: body gives {body_shape}, shortcut {short_shape}")
            shared = _act("identity", layer["bits"]) if layer.get("bits") else None
            module, shape = Residual(body, shortcut, shared), body_shape
        elif op == "concat":
            body, body_shape = build_layers(layer["body"], shape)
            module, shape = Concat(body), (shape[0] + body_shape[0], *shape[1:])
        else:
            raise ValueError(f"unknown layer op {op!r}")
        modules.append(module)
    return nn.Sequential(*modules), shape


class UserNet(nn.Module):
    """The network a spec describes; `in_shape` and `spec` travel with it."""

    def __init__(self, spec: dict):
        super().__init__()
        self.spec = spec
        self.in_shape = tuple(spec["input"])
        self.layers, self.out_shape = build_layers(spec["layers"], self.in_shape)

    def forward(self, x):
        return self.layers(x)
