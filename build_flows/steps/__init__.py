"""Build steps in the order they run. Each is `step(model, cfg) -> model` on the whole graph;
steps after the dataflow partition work on its child through steps.dataflow."""
from .codegen import step_codegen
from .estimates import step_estimates
from .fold import step_fold, step_insert_width_converters
from .hardware import step_convert_to_hw, step_create_dataflow_partition, step_specialize
from .prepare import step_add_pixel_input, step_infer_fracbnn, step_insert_label_select, step_tidy
from .rtl import step_specialize_rtl, step_stitch_rtl
from .streamline import step_minimize_bit_widths, step_qonnx_to_finn, step_streamline
from .sim import step_sim
from .synth import step_synth
from .vendor import step_bitfile, step_hls, step_ip
from .deploy import step_deploy

# name -> function, in the default order
DEFAULT_STEPS = {
    "tidy": step_tidy,
    "add_pixel_input": step_add_pixel_input,
    "insert_label_select": step_insert_label_select,
    "infer_fracbnn": step_infer_fracbnn,
    "qonnx_to_finn": step_qonnx_to_finn,
    "streamline": step_streamline,
    "convert_to_hw": step_convert_to_hw,
    "create_dataflow_partition": step_create_dataflow_partition,
    "specialize": step_specialize,
    "fold": step_fold,
    "minimize_bit_widths": step_minimize_bit_widths,
    "insert_width_converters": step_insert_width_converters,
    "specialize_rtl": step_specialize_rtl,
    "estimates": step_estimates,
    "codegen": step_codegen,
    "stitch_rtl": step_stitch_rtl,
}
# Steps that make an output a build config asks for (BuildConfig.outputs), after the default ones,
# in this order (config.implied_outputs adds what an output needs).
OUTPUT_STEPS = {"sim": step_sim, "synth": step_synth, "hls": step_hls, "ip": step_ip, "bitfile": step_bitfile, "deploy": step_deploy}
