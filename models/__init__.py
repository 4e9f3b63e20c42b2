"""Brevitas definitions of binary and few-bit CNNs: quantizers, blocks, topologies, data, training, export.

Read in this order: quantizers -> blocks -> topologies -> recipes -> registry -> data ->
checkpoint -> methods -> train -> export (tests/test_layering.py keeps imports in that order).
"""
