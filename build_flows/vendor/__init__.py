"""The vendor tier: what turns a verified build into a bitstream with the user's Vivado/Vitis.

Everything here is generated without vendor tools (the accelerator as a Vivado IP, the Zynq
block design, the Alveo kernels and link configuration, the scripts that run them) and is run
only when the tools are reachable; otherwise the build records what it would have produced
(pending.py) and stops with one message naming the missing tool."""
