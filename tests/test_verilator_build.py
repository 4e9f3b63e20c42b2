"""Verilated builds (build_flows/sim/verilator.py): Verilator's runtime objects are compiled once
per cache and reused by every later design, and a reused object really is what gets linked."""
import shutil

import numpy as np
import pytest

from build_flows.sim import verilator as vl
from hw import source_root

SOURCES = [source_root() / "dwc" / "bcnn_dwc.sv"]


def build(cache, out_elems):
    return vl.build(SOURCES, "bcnn_dwc", {"BITS": 3, "IN_ELEMS": 2, "OUT_ELEMS": out_elems}, cache=cache)


def passes_through(binary, tmp_path, out_elems) -> bool:
    elements = vl.random_elements(np.random.default_rng(0), 3, False, 8 * out_elems)
    result = vl.run(binary, tmp_path, vl.pack(elements.reshape(-1, 2), 3), out_elems * 3, 8, 100, 100, seed=1)
    return np.array_equal(vl.unpack(result.out_words, 3, out_elems, signed=False).reshape(-1), elements)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A Verilator cache of its own, after one design built in it."""
    root = tmp_path_factory.mktemp("verilator") / "cache"
    build(root, 1)
    return root


def test_the_runtime_is_kept_after_the_first_build_and_reused(cache, tmp_path):
    runtime = vl.runtime_dir(cache)
    assert sorted(p.name for p in runtime.iterdir()) == sorted(vl.RUNTIME_OBJECTS)
    assert passes_through(build(cache, 1), tmp_path, 1)
    assert passes_through(build(cache, 2), tmp_path, 2)


def test_a_reused_runtime_object_is_the_one_linked(cache, tmp_path):
    spoilt = tmp_path / "cache"
    shutil.copytree(vl.runtime_dir(cache), vl.runtime_dir(spoilt))
    (vl.runtime_dir(spoilt) / "verilated.o").write_bytes(b"not an object file")
    with pytest.raises(vl.VerilatorFailed, match="C\\+\\+ build failed"):
        build(spoilt, 4)
