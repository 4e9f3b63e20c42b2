"""Sweeps: many independent evaluations (candidate designs, training runs) spread over Ray.

engine runs them (Ray tasks for designs, Ray Tune trials for training; in-process on this machine
by default, on a cluster with an address) with every result cached by the content hash of what
produced it; designs and training say what one evaluation is."""
