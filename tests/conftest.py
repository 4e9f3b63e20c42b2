"""Shared, session-cached artefacts: exported QONNX models and finished builds are made once and
reused by every test that needs them (CI time is dominated by these)."""
from pathlib import Path

import pytest

from build_flows.config import BuildConfig
from build_flows.flow import run_build
from models.export import export_model
from models.random_init import random_model


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """exported(name) -> path of a QONNX export of a random-init model (seed 0, per-channel norms)."""
    root = tmp_path_factory.mktemp("exported")
    cache = {}

    def get(name: str) -> Path:
        if name not in cache:
            path = root / f"{name}.onnx"
            export_model(random_model(name), path)
            cache[name] = path
        return cache[name]

    return get


@pytest.fixture(scope="session")
def built(tmp_path_factory, exported):
    """built(name, folding=None, **options) -> finished build directory."""
    root = tmp_path_factory.mktemp("built")
    cache = {}

    def get(name: str, folding: str | None = None, **options) -> Path:
        key = (name, folding, tuple(sorted(options.items())))
        if key not in cache:
            out = root / f"{name}-{folding or 'default'}-{len(cache)}"
            cfg = BuildConfig(model=str(exported(name)), out=str(out), folding=folding, **options)
            cache[key] = run_build(cfg, show_progress=False)
        return cache[key]

    return get


def pytest_collection_modifyitems(config, items):
    """`vendor` tests skip, naming what is missing, when no Xilinx tools are installed."""
    from build_flows.finn_env import vendor_tools

    missing = [name for name, found in vendor_tools().items() if not found]
    if not missing:
        return
    reason = f"needs Xilinx tools: {', '.join(missing)} not found (set XILINX_VIVADO / XILINX_HLS or put them on PATH)"
    for item in items:
        if "vendor" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))
