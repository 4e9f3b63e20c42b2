"""The class scores a design's label select reads are an exact affine image of the QONNX model's
logits (explore/class_scores.py), and a change to one class's weights is caught there even when
no label changes."""
import shutil

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper

from build_flows.explore.class_scores import score_residual


def test_a_built_design_scores_as_the_model_does(built):
    assert score_residual(built("tfc_w1a1", folding="tfc_w1a1")) < 1e-5


def test_one_class_scored_differently_is_caught(built, tmp_path):
    design = tmp_path / "design"
    shutil.copytree(built("tfc_w1a1", folding="tfc_w1a1"), design)
    df = ModelWrapper(str(design / "dataflow.onnx"))
    classifier = df.get_nodes_by_op_type("MVAU_bcnn")[-1]
    weights = df.get_initializer(classifier.input[1]).copy()
    weights[: weights.shape[0] // 2, 3] = 1 - weights[: weights.shape[0] // 2, 3]  # half of class 3's weights flipped
    df.set_initializer(classifier.input[1], weights)
    df.save(str(design / "dataflow.onnx"))
    assert score_residual(design) > 1e-2
