"""bcnn_fifo: every word out once, in order, under random stalls; full rate when unstalled."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root


@pytest.mark.parametrize("width, depth", [(8, 1), (37, 5), (70, 16)])
@pytest.mark.parametrize("stalls", [(100, 100), (55, 35), (30, 90)])
def test_fifo_passes_every_word_in_order(width, depth, stalls, tmp_path):
    binary = vl.build([source_root() / "fifo" / "bcnn_fifo.sv"], "bcnn_fifo", {"WIDTH": width, "DEPTH": depth})
    rng = np.random.default_rng(width * depth)
    data = rng.integers(0, 2, (200, width))
    result = vl.run(binary, tmp_path, vl.pack(data, 1), width, len(data), *stalls, seed=3)
    np.testing.assert_array_equal(vl.unpack(result.out_words, 1, width, signed=False), data)
    if stalls == (100, 100):
        # One word per cycle (plus a cycle of latency); a 1-deep FIFO cannot take a word while it
        # holds one, since its ready does not look at the consumer, so it runs at half rate.
        per_word = 2 if depth == 1 else 1
        assert result.cycles <= per_word * len(data) + 2
