"""Open-source synthesis (Yosys) of generated RTL: per layer, per FIFO configuration and whole."""
