"""Shared, session-cached artefacts: exported QONNX models and finished builds are made once and
reused by every test that needs them (CI time is dominated by these)."""
import hashlib
import shutil
from pathlib import Path

import pytest
from filelock import FileLock

from build_flows.config import BuildConfig
from build_flows.flow import run_build
from build_flows.relocate import rewrite_paths
from build_flows.sim import verilator
from build_flows.vendor.pending import VendorToolsMissing
from models.export import export_model
from models.random_init import random_model


@pytest.fixture(scope="session", autouse=True)
def quick_verilator_builds():
    """Designs compile at -Og in tests, their run-once construction code at -O0: they simulate a
    few frames, so compile time is what counts. ResNet-20's narrow test design, 2 idle cores:
    8.1 s at -Og, 10.6 s at -O1 (simulating as fast: 0.98 s vs 0.93 s for 3 frames), 80 s for a
    large design at the product's -O2 vs 47 at -O1. Cached apart from the product's builds."""
    product = verilator.CXX_OPT, verilator.CXX_OPT_SLOW
    verilator.CXX_OPT, verilator.CXX_OPT_SLOW = "-Og", "-O0"
    yield
    verilator.CXX_OPT, verilator.CXX_OPT_SLOW = product


class SharedCache:
    """Artefacts made once per test run, by whichever xdist worker asks first: a worker asking
    for one that is being made waits on its lock, then reuses it (a build takes 10-70 s, and
    tfc_w1a1 with the finn-examples folding is asked for by a dozen files on both workers)."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def get(self, key: str, make) -> Path:
        """The path make(directory) returned for `key`, in this run; made now if nobody has."""
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        record = self.root / f"{digest}.path"
        with FileLock(str(self.root / f"{digest}.lock")):
            if not record.exists():  # a make that raised left none: the next asker tries again
                record.write_text(str(make(self.root / digest)))
            return Path(record.read_text())


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory, pytestconfig):
    # every worker's basetemp lies in one directory per run (pytest-xdist's documented pattern);
    # without xdist (-p no:xdist, or -n 0) the run's own basetemp
    base = tmp_path_factory.getbasetemp()
    under_xdist = hasattr(pytestconfig, "workerinput")
    return SharedCache((base.parent if under_xdist else base) / "shared")


@pytest.fixture(scope="session")
def exported(shared_cache):
    """exported(name, method="ste") -> path of a QONNX export of a random-init model (seed 0,
    per-channel norms) built as `method` builds it (e.g. bireal: with shortcuts)."""

    def get(name: str, method: str = "ste") -> Path:
        def make(directory: Path) -> Path:
            path = directory / f"{name}-{method}.onnx"
            export_model(random_model(name, method=method), path)
            return path

        return shared_cache.get(f"exported {name} {method}", make)

    return get


@pytest.fixture(scope="session")
def built(shared_cache, exported, tmp_path_factory):
    """built(name, folding=None, method="ste", **options) -> finished build directory. Vendor
    outputs (ip, bitfile) are built as far as the machine's tools allow: a build that stops for
    lack of them (VendorToolsMissing) is complete otherwise, and returned. Built once per run;
    each xdist worker gets its own relocated copy (simulations write into the build directory),
    shared by that worker's tests: a test that changes a build works on a copy of its own."""
    root = tmp_path_factory.mktemp("built")
    copies = {}

    def get(name: str, folding: str | None = None, method: str = "ste", **options) -> Path:
        def make(directory: Path) -> Path:
            cfg = BuildConfig(model=str(exported(name, method)), out=str(directory), folding=folding, **options)
            try:
                return run_build(cfg, show_progress=False)
            except VendorToolsMissing as exc:
                return exc.build_dir

        made = shared_cache.get(f"built {name} {folding} {method} {sorted(options.items())!r}", make)
        if made not in copies:
            copies[made] = root / f"{name}-{method}-{folding and Path(folding).stem or 'default'}-{len(copies)}"
            shutil.copytree(made, copies[made], symlinks=True)
            rewrite_paths(copies[made], str(made), str(copies[made]))  # as the flow moves a finished build
        return copies[made]

    return get


# Test files that take longest (whole-model builds and simulations), longest first. The Makefile
# runs `--dist loadfile --no-loadscope-reorder`: xdist then hands out files in collection order, so
# with these first the 2 workers of a CI machine end together instead of one waiting on a long
# file handed out last (xdist's default order is by test count). Order: per-file times of a cold
# fresh-clone run with every cache empty (afabb12's parent, 85 worker-minutes of tests over 2 s).
SLOWEST_FILES = ("test_user_models.py", "test_cli.py", "test_methods.py", "test_dgrl_hardware.py",
                 "test_fracbnn_hardware.py", "test_residual.py", "test_build.py", "test_dense_hardware.py",
                 "test_pooling.py", "test_notebooks.py", "test_sim.py", "test_resnet20.py", "test_vendor_flow.py",
                 "test_sofar_hardware.py", "test_synth.py", "test_sweep.py", "test_bad_input.py", "test_models.py",
                 "test_external_models.py")


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
