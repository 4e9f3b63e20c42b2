"""Brevitas definitions of binary and few-bit CNNs: quantizers, topologies, data, training, export.

Read in this order: quantizers -> layers -> topologies -> registry -> data -> train -> export.
"""
