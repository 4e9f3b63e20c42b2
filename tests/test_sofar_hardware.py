"""SoFAr's RF-ResNet in hardware: fractal columns of Bi-Real units joined by an adding join with
layers on both branches, and the widening stage's channel repeat (RepeatChannels_bcnn). The join
of two columns gets a FIFO sized from both branches' needs; the design streams bit-exact on every
stream, with and without backpressure, at its analytic cycles. DRF-DenseNet: tests/test_dense_hardware.py."""
import json

import pytest
from qonnx.core.modelwrapper import ModelWrapper

from tests.streams import simulate_bit_exact


@pytest.fixture(scope="module")
def design(built):
    return built("rf_resnet_small", method="sofar")


def test_the_widening_repeat_and_column_joins_map_to_bcnn_layers(design):
    ops = [n.op_type for n in ModelWrapper(str(design / "dataflow.onnx")).graph.node]
    assert ops.count("RepeatChannels_bcnn") == 1
    assert ops.count("ElementwiseAdd_bcnn") == 8  # 6 Bi-Real shortcuts, 2 column joins
    shortcuts = json.loads((design / "rtl" / "stitch.json").read_text())["shortcuts"]
    columns = [s for s in shortcuts if not s["fifo"].startswith("DuplicateStreams")]
    assert len(shortcuts) == 8 and len(columns) == 2  # every join sized, two with layers on both sides
    for s in columns:
        assert s["exact"] and s["lead_elements"] > 0 and s["depth"] >= s["deadlock_free_depth"] > 0


@pytest.mark.parametrize("backpressure", [False, True], ids=["full_rate", "backpressure"])
def test_rf_resnet_streams_bit_exact_at_the_analytic_interval(design, tmp_path, backpressure):
    simulate_bit_exact(design, tmp_path, frames=3, backpressure=backpressure, min_streams=70)

