"""bcnn_dwc: the element stream passes unchanged across any width ratio (down, up and the general
form), under random stalls, at one beat per cycle on the busier side when unstalled."""
import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root


@pytest.mark.parametrize("bits, in_elems, out_elems", [(1, 16, 8), (11, 5, 1), (1, 6, 2),  # down
                                                       (1, 1, 4), (8, 1, 3), (4, 2, 8),  # up
                                                       (2, 3, 4), (3, 4, 6), (1, 32, 32)])  # other ratios
@pytest.mark.parametrize("stalls", [(100, 100), (50, 45)])
def test_dwc_passes_every_element_in_order(bits, in_elems, out_elems, stalls, tmp_path):
    binary = vl.build([source_root() / "dwc" / "bcnn_dwc.sv"], "bcnn_dwc",
                      {"BITS": bits, "IN_ELEMS": in_elems, "OUT_ELEMS": out_elems})
    total = 24 * in_elems * out_elems
    rng = np.random.default_rng(bits * 100 + in_elems * 10 + out_elems)
    elements = vl.random_elements(rng, bits, False, total)
    result = vl.run(binary, tmp_path, vl.pack(elements.reshape(-1, in_elems), bits), out_elems * bits,
                    total // out_elems, *stalls, seed=9)
    np.testing.assert_array_equal(vl.unpack(result.out_words, bits, out_elems, signed=False).reshape(-1), elements)
    if stalls == (100, 100):  # the wider side moves one beat per cycle
        assert result.cycles <= total // min(in_elems, out_elems) + 4
