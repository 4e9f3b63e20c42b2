"""Graph passes of bcnn-fpga, each a qonnx Transformation (`apply(model) -> (model, changed)`),
one technique per module. The build steps (build_flows/steps) apply them in this order:

- on the QONNX graph, before FINN+ converts it: unshare_activations, round_half_even, fracbnn
  (thermometer), fracbnn_units (fractional units), squeeze_interaction (explicit broadcast),
  repeat_channels (no-op Expand);
- streamlining: binary_padding (-1 borders into the sliding window), fracbnn_streamline,
  move_scalar_mul, repeat_channels (transposes past a repeat), squeeze_interaction (transposes
  into the pixel sum), collapse_thresholds;
- conversion to hardware layers: repeat_channels, squeeze_interaction (pixel sum, broadcast);
- bit widths: weight_types, empty_accumulators, xnor_accumulators.

graph_match holds the small pattern queries they share."""
