"""Vendor tier: the generated HLS sources synthesize with Vitis HLS (skipped without the tools)."""
import pytest
from finn.transformation.fpgadataflow.hlssynth_ip import HLSSynthIP
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from build_flows.finn_env import use_build_dir


@pytest.mark.vendor
def test_generated_hls_layers_synthesize(built, tmp_path):
    out = built("tfc_w1a1", folding="tfc_w1a1")
    use_build_dir(tmp_path / "finn_tmp")
    df = ModelWrapper(str(out / "dataflow.onnx")).transform(HLSSynthIP())
    for node in df.graph.node:
        if node.op_type.endswith("_hls"):
            assert getCustomOp(node).get_nodeattr("ipgen_path"), node.name
