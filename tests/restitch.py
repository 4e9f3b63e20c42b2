"""A built design with other FIFO depths, without rebuilding it (build_flows.explore.fifo_sizing.restitch),
for tests that compare depths around a computed one."""
from build_flows.explore.fifo_sizing import restitch

__all__ = ["restitch"]
