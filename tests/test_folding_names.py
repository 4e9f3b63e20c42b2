"""A folding file names layers as a build's reports do (MVAU_bcnn_k: the k-th matrix-vector unit);
at folding time that is the k-th node of the kind, whatever its backend (finn_names)."""
from onnx import helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.util.basic import qonnx_make_model

from build_flows.folding.config_file import finn_names


def dataflow(*names):
    nodes = [helper.make_node(name.rsplit("_", 1)[0], [f"t{i}"], [f"t{i + 1}"], name=name) for i, name in enumerate(names)]
    graph = helper.make_graph(nodes, "df", [helper.make_tensor_value_info("t0", 1, [1])],
                              [helper.make_tensor_value_info(f"t{len(names)}", 1, [1])])
    return ModelWrapper(qonnx_make_model(graph))


def test_report_names_map_to_the_node_of_that_kind_and_position():
    # a zero-padded binary convolution's unit is a bcnn op before folding, between two FINN+ ones
    df = dataflow("MVAU_hls_0", "MVAU_bcnn_0", "Thresholding_rtl_0", "MVAU_hls_1")
    config = {"MVAU_bcnn_1": {"PE": 2}, "MVAU_bcnn_2": {"PE": 4}, "Thresholding_bcnn_0": {"PE": 8},
              "MVAU_hls_0": {"SIMD": 3}, "Defaults": {}}
    assert finn_names(df, config) == {"MVAU_bcnn_0": {"PE": 2}, "MVAU_hls_1": {"PE": 4},
                                      "Thresholding_rtl_0": {"PE": 8}, "MVAU_hls_0": {"SIMD": 3}, "Defaults": {}}


def test_a_name_beyond_the_design_is_kept_for_check_folding_to_refuse():
    assert finn_names(dataflow("MVAU_hls_0"), {"MVAU_bcnn_5": {"PE": 2}}) == {"MVAU_bcnn_5": {"PE": 2}}
