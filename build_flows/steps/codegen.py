"""Code generation: HLS C++/Tcl for HLS layers and SystemVerilog/Verilog for RTL layers (FINN+
PrepareIP, no vendor tool needed), gathered under codegen/<layer>/ in the build directory."""
import shutil
from pathlib import Path

from finn.transformation.fpgadataflow.prepare_ip import PrepareIP
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from ..custom_op.base import BcnnRTLOp
from ..relocate import rewrite_paths
from .dataflow import transform_dataflow


def step_codegen(model: ModelWrapper, cfg) -> ModelWrapper:
    """Generate every layer's sources with FINN+ PrepareIP and keep them as codegen/<layer>/."""

    def generate(df: ModelWrapper) -> ModelWrapper:
        df = df.transform(PrepareIP(cfg.fpga_part, cfg.clock_ns))
        root = Path(cfg.out) / "codegen"
        for node in df.graph.node:
            inst = getCustomOp(node)
            if isinstance(inst, BcnnRTLOp):  # hw/ sources plus memory files: written by stitch_rtl
                continue
            if not inst.get_nodeattr("code_gen_dir_ipgen"):
                raise RuntimeError(f"FINN+ generated no code for layer {node.name} ({node.op_type})")
            src = Path(inst.get_nodeattr("code_gen_dir_ipgen"))
            dst = root / node.name
            if src.resolve() != dst.resolve():
                shutil.rmtree(dst, ignore_errors=True)
                shutil.move(str(src), dst)
                rewrite_paths(dst, str(src), str(dst.resolve()))
            inst.set_nodeattr("code_gen_dir_ipgen", str(dst.resolve()))
        return df

    return transform_dataflow(model, cfg, "codegen", generate)
