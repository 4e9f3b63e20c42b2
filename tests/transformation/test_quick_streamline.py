"""quick_streamline: QuickStreamline gives FINN+'s Streamline's graph byte for byte (a FINN+
release that changes its pass list fails here), on a fully connected and a convolutional residual
model as the build hands them to streamlining, and on an already streamlined graph."""
import pytest
from finn.transformation.streamline import Streamline
from qonnx.core.modelwrapper import ModelWrapper

from build_flows.checks import load_qonnx
from build_flows.config import BuildConfig
from build_flows.finn_env import use_build_dir
from build_flows.steps import DEFAULT_STEPS
from build_flows.transformation.quick_streamline import QuickStreamline


def before_streamlining(path, tmp_path) -> ModelWrapper:
    """The model as step_streamline receives it in a build."""
    use_build_dir(tmp_path / "finn_tmp")
    cfg = BuildConfig(model=str(path), out=str(tmp_path / "out"))
    model = load_qonnx(path)
    for name, step in DEFAULT_STEPS.items():
        if name == "streamline":
            return model
        model = step(model, cfg)


@pytest.mark.parametrize("name, method", [("tfc_w1a1", "ste"), ("resnet_small", "bireal")])
def test_the_graph_is_finns_streamline_byte_for_byte(exported, tmp_path, name, method):
    model = before_streamlining(exported(name, method), tmp_path)
    finn = model.transform(Streamline())
    quick = model.transform(QuickStreamline())
    assert quick.model.SerializeToString() == finn.model.SerializeToString()
    assert [n.op_type for n in quick.graph.node] != [n.op_type for n in model.graph.node]  # it did streamline
    # a second call (as the build makes after the XNOR rewrite) changes little, and agrees again
    assert finn.transform(QuickStreamline()).model.SerializeToString() == \
        finn.transform(Streamline()).model.SerializeToString()
