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


@pytest.mark.parametrize("cap", [1, 3])
def test_a_capped_fifo_is_cycle_for_cycle_the_shallower_one(cap, tmp_path):
    """+bcnn_fifo_cap_<INDEX>=N (how simulations explore depths without compiling again) gives the
    words, the cycle of every output word and the total cycles of a FIFO stitched at DEPTH=N."""
    source = [source_root() / "fifo" / "bcnn_fifo.sv"]
    capped = vl.build(source, "bcnn_fifo", {"WIDTH": 8, "DEPTH": 8, "INDEX": 0})
    shallow = vl.build(source, "bcnn_fifo", {"WIDTH": 8, "DEPTH": cap})
    data = vl.pack(np.random.default_rng(cap).integers(0, 256, (300, 1)), 8)
    for stalls in ((100, 100), (55, 35), (30, 90), (90, 30)):
        a = vl.run(capped, tmp_path, data, 8, len(data), *stalls, seed=5, plusargs=(f"+bcnn_fifo_cap_0={cap}",))
        b = vl.run(shallow, tmp_path, data, 8, len(data), *stalls, seed=5)
        np.testing.assert_array_equal(a.out_words, b.out_words)
        np.testing.assert_array_equal(a.out_cycles, b.out_cycles)
        assert a.cycles == b.cycles
    uncapped = vl.run(capped, tmp_path, data, 8, len(data), 100, 30, seed=5)
    held = vl.run(capped, tmp_path, data, 8, len(data), 100, 30, seed=5, plusargs=(f"+bcnn_fifo_cap_0={cap}",))
    assert not np.array_equal(uncapped.out_cycles, held.out_cycles)  # the cap does hold it
    with pytest.raises(vl.AssertionFailed, match="outside 1..8"):
        vl.run(capped, tmp_path, data, 8, len(data), seed=5, plusargs=("+bcnn_fifo_cap_0=9",))
