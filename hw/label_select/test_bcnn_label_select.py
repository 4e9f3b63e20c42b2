"""bcnn_label_select against numpy top-k with ONNX TopK's tie rule (lower index first)."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import PackedBits, source_root


def reference_topk(scores, k):
    # stable sort on the negated score: equal scores keep index order
    return np.argsort(-scores, axis=1, kind="stable")[:, :k]


@pytest.mark.parametrize("labels, pe, k, bits, signed", [(10, 1, 1, 16, True), (10, 5, 3, 6, True), (12, 4, 12, 4, False)])
@pytest.mark.parametrize("stalls", [(100, 100), (45, 50)])
def test_label_select_matches_numpy_topk(labels, pe, k, bits, signed, stalls, tmp_path):
    params = dict(LABELS=labels, PE=pe, K=k, BITS=bits, SIGNED=signed)
    binary = vl.build([source_root() / "label_select" / "bcnn_label_select.sv"], "bcnn_label_select", params)
    rng = np.random.default_rng(labels * k)
    scores = vl.random_elements(rng, bits, signed, (40, labels))
    scores[:5] = scores[:5, :1]  # whole rows of ties
    idx_bits = max(1, int(np.ceil(np.log2(labels))))
    result = vl.run(binary, tmp_path, vl.pack(scores.reshape(-1, pe), bits), idx_bits, 40 * k, *stalls, seed=11)
    got = vl.unpack(result.out_words, idx_bits, 1, signed=False).reshape(40, k)
    np.testing.assert_array_equal(got, reference_topk(scores, k))


@pytest.mark.parametrize("labels, pe, bits, signed, shift", [(10, 2, 6, True, 2), (7, 7, 5, False, 0), (12, 3, 1, False, 3)])
@pytest.mark.parametrize("stalls", [(100, 100), (45, 50)])
def test_class_offsets_rank_like_numpy(labels, pe, bits, signed, shift, stalls, tmp_path):
    """Scores (input << shift) + a signed per-class offset, ranked with the same tie rule."""
    rng = np.random.default_rng(labels + shift)
    offsets = rng.integers(-(1 << (bits + shift)), 1 << (bits + shift), labels)
    offset_bits = max(int(abs(o)).bit_length() for o in offsets) + 1
    packed = sum((int(o) & ((1 << offset_bits) - 1)) << (i * offset_bits) for i, o in enumerate(offsets))
    params = dict(LABELS=labels, PE=pe, K=1, BITS=bits, SIGNED=signed, OFFSET_BITS=offset_bits, OFFSET_SHIFT=shift,
                  OFFSETS=PackedBits(packed, labels * offset_bits))
    binary = vl.build([source_root() / "label_select" / "bcnn_label_select.sv"], "bcnn_label_select", params)
    scores = vl.random_elements(rng, bits, signed, (40, labels))
    idx_bits = max(1, int(np.ceil(np.log2(labels))))
    result = vl.run(binary, tmp_path, vl.pack(scores.reshape(-1, pe), bits), idx_bits, 40, *stalls, seed=5)
    got = vl.unpack(result.out_words, idx_bits, 1, signed=False).reshape(40, 1)
    np.testing.assert_array_equal(got, reference_topk(scores * (1 << shift) + offsets[None], 1))
