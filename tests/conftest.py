"""Shared, session-cached artefacts: exported QONNX models and finished builds are made once and
reused by every test that needs them (CI time is dominated by these)."""
from pathlib import Path

import pytest

from build_flows.config import BuildConfig
from build_flows.flow import run_build
from build_flows.sim import verilator
from build_flows.vendor.pending import VendorToolsMissing
from models.export import export_model
from models.random_init import random_model


@pytest.fixture(scope="session", autouse=True)
def quick_verilator_builds():
    """Designs compile at -O1 in tests: they simulate a few frames, so compile time is what counts
    (a large design: 47 s instead of 80 s at the product's -O2). Cached apart from -O2 builds."""
    product, verilator.CXX_OPT = verilator.CXX_OPT, "-O1"
    yield
    verilator.CXX_OPT = product


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """exported(name, method="ste") -> path of a QONNX export of a random-init model (seed 0,
    per-channel norms) built as `method` builds it (e.g. bireal: with shortcuts)."""
    root = tmp_path_factory.mktemp("exported")
    cache = {}

    def get(name: str, method: str = "ste") -> Path:
        if (name, method) not in cache:
            path = root / f"{name}-{method}.onnx"
            export_model(random_model(name, method=method), path)
            cache[name, method] = path
        return cache[name, method]

    return get


@pytest.fixture(scope="session")
def built(tmp_path_factory, exported):
    """built(name, folding=None, method="ste", **options) -> finished build directory. Vendor
    outputs (ip, bitfile) are built as far as the machine's tools allow: a build that stops for
    lack of them (VendorToolsMissing) is complete otherwise, and returned."""
    root = tmp_path_factory.mktemp("built")
    cache = {}

    def get(name: str, folding: str | None = None, method: str = "ste", **options) -> Path:
        key = (name, folding, method, repr(sorted(options.items())))
        if key not in cache:
            out = root / f"{name}-{method}-{folding or 'default'}-{len(cache)}"
            cfg = BuildConfig(model=str(exported(name, method)), out=str(out), folding=folding, **options)
            try:
                cache[key] = run_build(cfg, show_progress=False)
            except VendorToolsMissing as exc:
                cache[key] = exc.build_dir
        return cache[key]

    return get


# Test files that take longest (whole-model builds and simulations), longest first. The Makefile
# runs `--dist loadfile --no-loadscope-reorder`: xdist then hands out files in collection order, so
# with these first the 2 workers of a CI machine end together instead of one waiting on a long
# file handed out last (xdist's default order is by test count). Order: per-file times of a cold
# fresh-clone run (83 worker-minutes in all, both workers busy to the end).
SLOWEST_FILES = ("test_methods.py", "test_fracbnn_hardware.py", "test_build.py", "test_dgrl_hardware.py",
                 "test_user_models.py", "test_sim.py", "test_residual.py", "test_bad_input.py",
                 "test_sofar_hardware.py", "test_dense_hardware.py", "test_cli.py", "test_models.py",
                 "test_pooling.py")


def pytest_collection_modifyitems(config, items):
    """The slowest files first (SLOWEST_FILES); `vendor` tests skip, naming what is missing, when no
    Xilinx tools are installed."""
    rank = {name: i for i, name in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order
    from build_flows.finn_env import vendor_tools

    missing = [name for name, found in vendor_tools().items() if not found]
    if not missing:
        return
    reason = f"needs Xilinx tools: {', '.join(missing)} not found (set XILINX_VIVADO / XILINX_HLS or put them on PATH)"
    for item in items:
        if "vendor" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))
