"""The FINN+ flow of bcnn-fpga: one BuildConfig, a list of steps, each a function on a model.

Read in this order: config -> boards -> finn_env -> checks -> steps (in the order they run) ->
folding -> verify -> estimates -> flow -> report -> cli.
"""
