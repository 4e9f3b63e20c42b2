"""Everything we do to run FINN+ 1.6.1 without Xilinx tools, in one place, one comment each.

FINN+ assumes a Vivado installation in a few places that the open tier never reaches:
- `finn.builder.build_dataflow(_steps)` import `finn.xsi`, whose import-time check raises without
  XILINX_VIVADO. We therefore never import the builder; build_flows.steps calls the same FINN+
  transformations directly.
- Transformations read global settings (the FINN build dir for generated code) that FINN's CLI
  normally creates; `use_build_dir` creates them for our build directory instead.
- The builder's `finn build` CLI refuses to start without XILINX_VIVADO; we have our own CLI.
- HLS C++ simulation, HLS synthesis, xsim RTL simulation, stitched IP and bitstreams need vendor
  tools; the flow stops after code generation unless they are present (vendor tier, docker/).
"""
import os
import shutil
from pathlib import Path

import finn.util.settings as finn_settings
from finn.interface.settings import FINNSettings
from qonnx.core.modelwrapper import ModelWrapper


def use_build_dir(path: Path) -> None:
    """Point FINN+'s generated-code directory (FINN_BUILD_DIR) at `path`."""
    path = Path(path).resolve()
    path.mkdir(parents=True, exist_ok=True)
    # FINNSettings.init reads FINN_SETTINGS / ./settings.yaml / ~/.finn; flow_config anchors
    # relative paths, and the explicit finn_build_dir wins over any file.
    finn_settings._SETTINGS = FINNSettings.init(
        flow_config=path / "flow.yaml", finn_build_dir=str(path), auto_set_environment_vars=True
    )


def vendor_tools() -> dict:
    """Which Xilinx tools are reachable, for the vendor tier and for skip reasons."""
    return {
        "vivado": os.environ.get("XILINX_VIVADO") or shutil.which("vivado"),
        "vitis_hls": os.environ.get("XILINX_HLS") or shutil.which("vitis_hls"),
        "vitis": os.environ.get("XILINX_VITIS") or shutil.which("v++"),
    }


def generic_view(dataflow):
    """A copy of a specialized dataflow model whose layers are their abstract FINN+ ops again.

    FINN+'s `*_hls`/`*_rtl` layers only execute in cppsim or rtlsim (vendor tools); the abstract
    op holds the same attributes and a python execution, which is the reference both backends
    implement. Verification after specialization therefore executes this view.
    """
    view = ModelWrapper(dataflow.model.__deepcopy__())
    for node in view.graph.node:
        for suffix in ("_hls", "_rtl"):
            if node.op_type.endswith(suffix):
                node.op_type = node.op_type[: -len(suffix)]
                node.domain = node.domain.rsplit(".", 1)[0]
    return view
