"""The model fuzzer's generator: a seed -> a random user-style spec (net.py), reproducible from the
seed alone. Depth, channels, kernels, strides, padding, weight and activation bit widths,
activation kinds, biases, BatchNorm, pooling kinds, depthwise convolutions, residual blocks
(identity, strided 1x1 convolution or average-pool shortcuts), concatenations, ReActNet shifts,
input normalisation inside or outside, and the head (flatten, or global average pooling with or
without a quantizer before the flatten) are
drawn; sizes stay small so that one model builds and simulates in seconds."""
import random

ACT_BITS = (1, 1, 1, 2, 2, 3, 4, 8)  # binary most often, as the field's models are
WEIGHT_BITS = (1, 1, 1, 2, 2, 3, 4, 8)
CHANNELS = (2, 3, 4, 6, 8, 12, 16)


class _Draw:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.shape = None  # (C, H, W) of the tensor being built on
        self.last_act = None  # the activation that quantized it

    def act(self) -> dict:
        bits = self.rng.choice(ACT_BITS)
        if bits == 1:
            # (a 1-bit QuantReLU exports as +-1 in Brevitas 0.13: checks.py refuses it, so it is not drawn)
            self.last_act = {"op": "act", "kind": "sign", "bits": 1}
        else:
            self.last_act = {"op": "act", "kind": self.rng.choice(["identity", "relu", "hardtanh"]), "bits": bits}
        return self.last_act

    def conv(self, out: int | None = None, stride: int | None = None, groups: int = 1) -> list:
        c, h, w = self.shape
        k = self.rng.choice([k for k in (1, 3, 3, 3, 5) if k <= min(h, w) + 2])
        pad = self.rng.choice([p for p in (0, 1, 2) if p <= k // 2 and (min(h, w) + 2 * p >= k)])
        stride = stride or (2 if min(h, w) >= 6 and self.rng.random() < 0.25 else 1)
        out = c if groups > 1 else (out or self.rng.choice(CHANNELS))
        layer = {"op": "conv", "out": out, "k": k, "stride": stride, "pad": pad, "groups": groups,
                 "bits": self.rng.choice(WEIGHT_BITS), "bias": self.rng.random() < 0.2}
        self.shape = (out, (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1)
        layers = [layer]
        if self.rng.random() < 0.85:
            layers.append({"op": "bn"})
        if self.rng.random() < 0.1:
            layers.append({"op": "shift"})
        return layers + [self.act()]

    def pool(self) -> list:
        c, h, w = self.shape
        k, stride, pad = self.rng.choice([(2, 2, 0), (2, 2, 0), (3, 2, 0), (3, 2, 1)])
        if min(h, w) + 2 * pad < k:
            return []
        op = self.rng.choice(["maxpool", "maxpool", "avgpool"])
        self.shape = (c, (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1)
        layers = [{"op": op, "k": k, "stride": stride, "pad": pad}]
        return layers + ([self.act()] if op == "avgpool" else [])

    def residual(self) -> list:
        c, h, w = self.shape
        downsample = min(h, w) >= 4 and self.rng.random() < 0.4
        stride = 2 if downsample else 1
        body = [self.act() if self.rng.random() < 0.5 else {"op": "act", "kind": "sign", "bits": 1},
                {"op": "conv", "out": c, "k": 3, "stride": stride, "pad": 1, "bits": self.rng.choice(WEIGHT_BITS)},
                {"op": "bn"}]
        if not downsample:
            shortcut = []
        # a 2x2 average pool matches the strided body's output only on an even map (torch's ceil_mode
        # would, but an average pool's window leaving the input is refused): the 1x1 conv otherwise
        elif self.rng.random() < 0.5 or h % 2 or w % 2:
            shortcut = [{"op": "conv", "out": c, "k": 1, "stride": 2, "pad": 0, "bits": self.rng.choice(WEIGHT_BITS)},
                        {"op": "bn"}]
        else:
            shortcut = [{"op": "avgpool", "k": 2, "stride": 2, "pad": 0}]
        self.shape = (c, (h + 2 - 3) // stride + 1, (w + 2 - 3) // stride + 1)
        return [{"op": "residual", "bits": self.rng.choice([4, 8]), "body": body, "shortcut": shortcut}, self.act()]

    def concat(self) -> list:
        c, h, w = self.shape
        out = self.rng.choice(CHANNELS)
        # the body ends in the input's own activation type: a concatenation streams one type
        # (checks.py refuses mixed ones), as a user's dense block would do
        body = [{"op": "act", "kind": "sign", "bits": 1},
                {"op": "conv", "out": out, "k": 3, "stride": 1, "pad": 1, "bits": self.rng.choice(WEIGHT_BITS)},
                {"op": "bn"}, dict(self.last_act)]
        self.shape = (c + out, h, w)
        return [{"op": "concat", "body": body}, self.act()]


def random_spec(seed: int) -> dict:
    d = _Draw(seed)
    rng = d.rng
    channels, size = rng.choice([1, 3]), rng.choice([6, 8, 10, 12])
    d.shape = (channels, size, size)
    spec = {"input": [channels, size, size], "normalized": rng.random() < 0.3, "seed": seed}
    layers = []
    if not spec["normalized"] and rng.random() < 0.15:
        layers.append({"op": "normalize", "mean": [round(rng.uniform(0.3, 0.7), 2)] * channels,
                       "std": [round(rng.uniform(0.2, 0.5), 2)] * channels})
    signed = spec["normalized"] or rng.random() < 0.5
    layers.append({"op": "quant_input", "bits": rng.choice([8, 8, 4]), "signed": signed})
    layers += d.conv()
    for _ in range(rng.randint(0, 3)):
        kind = rng.choice(["conv", "conv", "pool", "residual", "depthwise", "concat"])
        if kind == "conv":
            layers += d.conv()
        elif kind == "pool":
            layers += d.pool()
        elif kind == "residual":
            layers += d.residual()
        elif kind == "depthwise":
            layers += d.conv(groups=d.shape[0])
        else:
            layers += d.concat()
    gap = rng.random() < 0.3 and d.shape[1] > 1
    if gap:
        layers.append({"op": "gap"})
    layers += [{"op": "flatten"}, {"op": "linear", "out": 10, "bits": rng.choice(WEIGHT_BITS),
                                   "bias": rng.random() < 0.2}]
    # drawn last, so that every other layer of a seed's model stays as it was before this draw existed
    if gap and rng.random() < 0.5:
        layers.insert(layers.index({"op": "gap"}) + 1, d.act())  # the means quantized before the flatten
    spec["layers"] = layers
    return spec
