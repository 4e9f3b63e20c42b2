"""Tests for models/data.py: the loaders' contract (float32 NCHW in [0, 1], int64 labels),
the idx and CIFAR-10 readers on hand-made files, and the real datasets where installed."""
import gzip
import pickle
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

from models.data import DATASETS, DatasetError, load_dataset, read_idx

REPO = Path(__file__).resolve().parents[1]
MNIST_ROOT = REPO / "data" / "mnist"
FASHION_ROOT = Path("/usr/share/datasets/fashion-mnist")


def check_contract(split, shape, n=None):
    assert split.images.dtype == torch.float32
    assert split.labels.dtype == torch.int64
    assert split.images.shape[1:] == shape
    assert split.images.shape[0] == split.labels.shape[0]
    assert split.labels.ndim == 1
    if n is not None:
        assert len(split) == n
    assert split.images.min() >= 0 and split.images.max() <= 1
    assert split.labels.min() >= 0 and split.labels.max() < split.num_classes


# ---------------------------------------------------------------- digits


def test_digits_contract():
    ds = load_dataset("digits")
    assert ds.name == "digits"
    assert ds.in_shape == (1, 8, 8)
    assert ds.num_classes == 10 == ds.test.num_classes
    check_contract(ds.train, (1, 8, 8))
    check_contract(ds.test, (1, 8, 8))
    assert len(ds.train) + len(ds.test) == 1797
    assert len(ds.test) == 1797 // 5
    # Full range is used (max pixel 16 -> 1.0), i.e. scaled by /16 and not /255.
    assert ds.train.images.max() == 1.0
    assert set(ds.train.labels.tolist()) == set(range(10))


def test_digits_split_is_a_seeded_partition():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    full = torch.from_numpy(bunch.images.reshape(-1, 1, 8, 8).astype(np.float32) / 16)
    order = np.random.default_rng(0).permutation(1797)
    ds = load_dataset("digits")
    n_train = len(ds.train)
    # Train and test are exactly the two ends of the seeded permutation, so together they
    # cover every sample once and share none.
    assert torch.equal(ds.train.images, full[order[:n_train]])
    assert torch.equal(ds.test.images, full[order[n_train:]])
    assert ds.test.labels.tolist() == bunch.target[order[n_train:]].tolist()
    # The shuffle matters: the test split is not simply the last samples of sklearn's order.
    assert not torch.equal(ds.test.images, full[n_train:])


def test_digits_deterministic():
    a, b = load_dataset("digits"), load_dataset("digits")
    for sa, sb in ((a.train, b.train), (a.test, b.test)):
        assert torch.equal(sa.images, sb.images)
        assert torch.equal(sa.labels, sb.labels)


# ---------------------------------------------------------------- dispatch, limit


def test_unknown_name_lists_valid_names():
    with pytest.raises(DatasetError) as exc:
        load_dataset("imagenet")
    assert isinstance(exc.value, ValueError)
    for name in DATASETS:
        assert name in str(exc.value)


def test_limit():
    full = load_dataset("digits")
    ds = load_dataset("digits", limit=7)
    assert len(ds.train) == 7 and len(ds.test) == 7
    assert torch.equal(ds.train.images, full.train.images[:7])
    assert torch.equal(ds.test.labels, full.test.labels[:7])
    # A limit above the split size keeps everything.
    assert len(load_dataset("digits", limit=10**6).test) == len(full.test)
    with pytest.raises(DatasetError):
        load_dataset("digits", limit=0)


def test_download_unsupported_for_idx_datasets(tmp_path):
    with pytest.raises(DatasetError, match="only supported for cifar10"):
        load_dataset("mnist", root=tmp_path, download=True)


# ---------------------------------------------------------------- idx reader


def idx_bytes(arr: np.ndarray) -> bytes:
    magic = bytes([0, 0, 0x08, arr.ndim])
    dims = b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return magic + dims + arr.astype(np.uint8).tobytes()


def write_idx(path: Path, arr: np.ndarray) -> Path:
    data = idx_bytes(arr)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_read_idx_round_trip(tmp_path, suffix):
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(3, 5, 4), dtype=np.uint8)
    labels = np.array([7, 0, 255], dtype=np.uint8)
    got_images = read_idx(write_idx(tmp_path / f"img{suffix}", images))
    got_labels = read_idx(write_idx(tmp_path / f"lab{suffix}", labels))
    assert got_images.dtype == np.uint8 and got_images.shape == (3, 5, 4)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_read_idx_detects_gzip_by_content(tmp_path):
    labels = np.arange(6, dtype=np.uint8)
    path = tmp_path / "labels-no-suffix"
    path.write_bytes(gzip.compress(idx_bytes(labels)))
    np.testing.assert_array_equal(read_idx(path), labels)
    # The other way round (plain bytes behind a .gz name) is a broken file, not silently read.
    fake = tmp_path / "labels.gz"
    fake.write_bytes(idx_bytes(labels))
    with pytest.raises(DatasetError, match="labels.gz"):
        read_idx(fake)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_read_idx_bad_magic(tmp_path, suffix):
    data = bytearray(idx_bytes(np.zeros((2, 3, 3), dtype=np.uint8)))
    data[2] = 0x0D  # float32 element type: not something our datasets use
    path = tmp_path / f"broken-idx3-ubyte{suffix}"
    path.write_bytes(gzip.compress(bytes(data)) if suffix else bytes(data))
    with pytest.raises(DatasetError, match="magic") as exc:
        read_idx(path)
    assert str(path) in str(exc.value)


@pytest.mark.parametrize("change", ["truncated", "trailing"])
def test_read_idx_size_mismatch(tmp_path, change):
    data = idx_bytes(np.zeros((4, 2, 2), dtype=np.uint8))
    path = tmp_path / change
    path.write_bytes(data[:-1] if change == "truncated" else data + b"\0")
    with pytest.raises(DatasetError, match="size") as exc:
        read_idx(path)
    assert str(path) in str(exc.value)


# ---------------------------------------------------------------- mnist / fashion on fake files


def write_fake_mnist(root: Path, suffix: str, n_train=6, n_test=3):
    rng = np.random.default_rng(2)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        write_idx(root / f"{prefix}-images-idx3-ubyte{suffix}", images)
        write_idx(root / f"{prefix}-labels-idx1-ubyte{suffix}", labels)
        out[prefix] = images, labels
    return out


@pytest.mark.parametrize("name,suffix", [("mnist", ""), ("fashion_mnist", ".gz")])
def test_idx_dataset_from_files(tmp_path, name, suffix):
    raw = write_fake_mnist(tmp_path, suffix)
    ds = load_dataset(name, root=tmp_path)
    assert ds.name == name and ds.in_shape == (1, 28, 28)
    for split, prefix in ((ds.train, "train"), (ds.test, "t10k")):
        images, labels = raw[prefix]
        check_contract(split, (1, 28, 28), len(labels))
        expected = torch.from_numpy(images).float().unsqueeze(1) / 255
        assert torch.equal(split.images, expected)
        assert split.labels.tolist() == labels.tolist()


@pytest.mark.parametrize(
    "name,hint",
    [("mnist", "scripts/setup.sh"), ("fashion_mnist", "apt-get install dataset-fashion-mnist")],
)
def test_idx_dataset_missing(tmp_path, name, hint):
    root = tmp_path / "nowhere"
    with pytest.raises(DatasetError) as exc:
        load_dataset(name, root=root)
    assert str(root) in str(exc.value)
    assert hint in str(exc.value)


# ---------------------------------------------------------------- real mnist / fashion


@pytest.mark.dataset
@pytest.mark.parametrize("name,root", [("mnist", MNIST_ROOT), ("fashion_mnist", FASHION_ROOT)])
def test_real_idx_dataset(name, root):
    if not root.is_dir():
        pytest.skip(f"{name} not installed: {root} is absent")
    ds = load_dataset(name)
    check_contract(ds.train, (1, 28, 28), 60000)
    check_contract(ds.test, (1, 28, 28), 10000)
    assert set(ds.test.labels.tolist()) == set(range(10))
    assert ds.train.images.max() == 1.0  # real digits/garments saturate; catches a wrong scale


# ---------------------------------------------------------------- cifar10 on fake files


def write_fake_cifar(d: Path):
    """Two train batches of 5 images and a test batch of 4, in the real pickle layout."""
    rng = np.random.default_rng(3)
    d.mkdir(parents=True, exist_ok=True)
    batches = {f"data_batch_{i}": 5 for i in (1, 2)} | {"test_batch": 4}
    raw = {}
    for name, n in batches.items():
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).tolist()
        batch = {
            b"batch_label": name.encode(),
            b"labels": labels,
            b"data": data,
            b"filenames": [f"img{i}.png".encode() for i in range(n)],
        }
        with open(d / name, "wb") as f:
            pickle.dump(batch, f)
        raw[name] = data, labels
    # The loader wants five train batches; the tiny set reuses the two above for 3..5.
    for i in (3, 4, 5):
        (d / f"data_batch_{i}").write_bytes((d / f"data_batch_{1 + i % 2}").read_bytes())
        raw[f"data_batch_{i}"] = raw[f"data_batch_{1 + i % 2}"]
    return raw


def check_fake_cifar(ds, raw):
    assert ds.name == "cifar10" and ds.in_shape == (3, 32, 32) and ds.num_classes == 10
    train_names = [f"data_batch_{i}" for i in range(1, 6)]
    for split, names in ((ds.train, train_names), (ds.test, ["test_batch"])):
        data = np.concatenate([raw[n][0] for n in names])
        labels = sum((raw[n][1] for n in names), [])
        check_contract(split, (3, 32, 32), len(labels))
        expected = torch.from_numpy(data).float().reshape(-1, 3, 32, 32) / 255
        assert torch.equal(split.images, expected)
        assert split.labels.tolist() == labels
    # Spot-check the layout by hand: pixel (c, y, x) of image 0 sits at c*1024 + y*32 + x.
    img0 = raw["data_batch_1"][0][0]
    for c, y, x in ((0, 0, 1), (1, 5, 7), (2, 31, 30)):
        assert ds.train.images[0, c, y, x] == np.float32(img0[c * 1024 + y * 32 + x]) / 255


@pytest.mark.parametrize("nested", [True, False])
def test_cifar10_from_files(tmp_path, nested):
    d = tmp_path / "cifar-10-batches-py" if nested else tmp_path
    raw = write_fake_cifar(d)
    check_fake_cifar(load_dataset("cifar10", root=tmp_path), raw)
    ds = load_dataset("cifar10", root=tmp_path, limit=3)
    assert len(ds.train) == 3 and len(ds.test) == 3


def test_cifar10_missing(tmp_path):
    root = tmp_path / "no-cifar"
    with pytest.raises(DatasetError) as exc:
        load_dataset("cifar10", root=root)
    assert str(root) in str(exc.value)
    assert "--data-root" in str(exc.value)


def test_cifar10_missing_test_batch(tmp_path):
    write_fake_cifar(tmp_path)
    (tmp_path / "test_batch").unlink()
    with pytest.raises(DatasetError, match="test_batch"):
        load_dataset("cifar10", root=tmp_path)


def test_cifar10_bad_batch(tmp_path):
    write_fake_cifar(tmp_path)
    with open(tmp_path / "data_batch_2", "wb") as f:
        pickle.dump({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, f)
    with pytest.raises(DatasetError, match="data_batch_2"):
        load_dataset("cifar10", root=tmp_path)


def test_cifar10_download_without_torchvision(tmp_path, monkeypatch):
    # None in sys.modules makes the import raise ImportError even where torchvision exists.
    monkeypatch.setitem(sys.modules, "torchvision", None)
    monkeypatch.setitem(sys.modules, "torchvision.datasets", None)
    with pytest.raises(DatasetError, match="torchvision"):
        load_dataset("cifar10", root=tmp_path, download=True)


def test_cifar10_download_uses_torchvision_only_to_fetch(tmp_path, monkeypatch):
    calls = []
    raw = {}

    class FakeCIFAR10:
        def __init__(self, root, train=True, download=False):
            calls.append((root, download))
            raw.update(write_fake_cifar(Path(root) / "cifar-10-batches-py"))

        def __getitem__(self, i):  # our loader must never read through torchvision
            raise AssertionError("torchvision dataset was indexed")

    tv = types.ModuleType("torchvision")
    tv.datasets = types.ModuleType("torchvision.datasets")
    tv.datasets.CIFAR10 = FakeCIFAR10
    monkeypatch.setitem(sys.modules, "torchvision", tv)
    monkeypatch.setitem(sys.modules, "torchvision.datasets", tv.datasets)
    check_fake_cifar(load_dataset("cifar10", root=tmp_path, download=True), raw)
    assert calls == [(str(tmp_path), True)]
    # Already present: a second download=True call does not fetch again.
    load_dataset("cifar10", root=tmp_path, download=True)
    assert len(calls) == 1


def test_random_shift_translates_each_image_exactly_and_reproducibly():
    import torch

    from models.augment import random_shift

    images = torch.zeros(64, 1, 12, 12)
    images[:, 0, 5, 6] = 1.0  # one lit pixel per image, away from the border
    torch.manual_seed(3)
    shifted = random_shift(images, 2)
    torch.manual_seed(3)
    assert torch.equal(random_shift(images, 2), shifted)
    assert shifted.shape == images.shape and torch.all(shifted.sum((1, 2, 3)) == 1)  # moved, not lost
    pos = shifted[:, 0].flatten(1).argmax(1)
    dy, dx = pos // 12 - 5, pos % 12 - 6
    assert dy.abs().max() <= 2 and dx.abs().max() <= 2
    assert len({(a, b) for a, b in zip(dy.tolist(), dx.tolist())}) > 10  # many different offsets
    assert torch.equal(random_shift(images, 0), images)


def test_augment_larger_than_the_image_allows_is_one_clear_error(tmp_path):
    from click.testing import CliRunner

    from build_flows.cli import main

    result = CliRunner().invoke(main, ["train", "--dataset", "digits", "--augment", "4", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--augment must be between 0 and 3 pixels for digits's 8x8 images, got 4" in result.output


@pytest.mark.parametrize("name,suffix", [("mnist", ""), ("fashion_mnist", ".gz")])
def test_the_32x32x3_stand_in_is_the_dataset_resized_on_the_pixel_grid(tmp_path, name, suffix):
    raw = write_fake_mnist(tmp_path, suffix)
    ds = load_dataset(f"{name}_32x32x3", root=tmp_path, limit=3)
    assert ds.name == f"{name}_32x32x3" and ds.in_shape == (3, 32, 32)
    images, labels = raw["train"]
    check_contract(ds.train, (3, 32, 32), 3)
    assert ds.train.labels.tolist() == labels[:3].tolist()
    x = ds.train.images
    assert torch.equal(x[:, 0], x[:, 1]) and torch.equal(x[:, 0], x[:, 2])  # one channel thrice
    assert torch.equal(x * 255, torch.round(x * 255))  # 8-bit pixels, as the accelerator takes them
    # a resize, not a padding: the image's corners and centre keep its own pixels' values
    original = torch.from_numpy(images[:3]).float() / 255
    assert torch.equal(x[:, 0, 0, 0], original[:, 0, 0]) and torch.equal(x[:, 0, -1, -1], original[:, -1, -1])
    assert (x[:, 0] - torch.nn.functional.interpolate(original[:, None], size=(32, 32), mode="bilinear")[:, 0]
            ).abs().max() <= 0.5 / 255 + 1e-6
