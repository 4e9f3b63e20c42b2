"""Loops around whole builds: the fastest folding that fits by synthesis (fold_by_synthesis),
FIFO depths by simulation (fifo_sizing), trained design points for the benchmarks
(design_point), and sweeps of designs and training runs on Ray (sweep/)."""
