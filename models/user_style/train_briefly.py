"""A user-style model trained briefly on stand-in data, so that the compiler also sees trained
weights, batch-norm statistics and activation scales, not only random ones.

No CIFAR-10 ships on these machines: the stand-in is a data set that does (scikit-learn's digits
by default), resized to the spec's input and repeated over its channels. A few hundred steps are
enough for what the tests need (the network learns, its tensors take trained distributions);
the accuracy says so and is not a claim about the architecture."""
import torch
import torch.nn.functional as F

from ..data import load_dataset
from .corpus import NORMALIZED_MEAN, NORMALIZED_STD
from .net import UserNet


def stand_in_images(shape, dataset: str = "digits", limit: int | None = None) -> tuple:
    """((N, C, H, W) pixels in [0, 1], labels) for train and test: `dataset` resized to H x W and
    repeated over C channels."""
    data = load_dataset(dataset, limit=limit)
    c, h, w = shape

    def convert(split):
        x = F.interpolate(split.images, size=(h, w), mode="bilinear", align_corners=False).clamp(0, 1)
        return x.repeat(1, c // x.shape[1], 1, 1), split.labels

    return convert(data.train), convert(data.test)


def train_briefly(model: UserNet, steps: int = 200, batch: int = 64, lr: float = 2e-3, seed: int = 0,
                  dataset: str = "digits") -> float:
    """Train `model` in place (Adam, cross-entropy) on the stand-in data; -> test accuracy."""
    torch.manual_seed(seed)
    (x, y), (x_test, y_test) = stand_in_images(model.in_shape, dataset)
    if model.spec.get("normalized"):
        x, x_test = (x - NORMALIZED_MEAN) / NORMALIZED_STD, (x_test - NORMALIZED_MEAN) / NORMALIZED_STD
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    model.train()
    for _ in range(steps):
        index = torch.randint(0, len(x), (batch,), generator=generator)
        loss = F.cross_entropy(model(x[index]), y[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        return float((model(x_test).argmax(1) == y_test).float().mean())
