"""The FINN+ flow of bcnn-fpga: one BuildConfig, a list of steps, each a function on a model.

Read in data-flow order (tests/test_layering.py keeps imports pointing back along it):
config, boards, finn_env (the build's settings and FINN+ without vendor tools) -> checks (the
user's QONNX file) -> custom_op (bcnn's hardware ops) -> transformation (graph passes) ->
analysis (estimates, reports) -> folding -> verify -> rtl (stitching) -> sim (Verilator) ->
synth (Yosys) -> vendor, deploy, runtime (the vendor tier and the board) -> steps (in the
order they run) -> flow (runs a build) -> explore (loops around builds: fold search, FIFO
sizing, sweeps) -> cli.
"""
