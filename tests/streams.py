"""The check every whole-model hardware test makes: a copy of the build simulated, every stream
bit-exact, no beat lost or extra, cycles per frame within 5 % of the analytic number."""
import shutil
from pathlib import Path

from build_flows.sim.simulate import simulate


def simulate_bit_exact(design: Path, scratch: Path, frames: int, backpressure: bool, min_streams: int) -> dict:
    """Simulate a copy of `design` (in `scratch`) and assert the above; the report, for more checks."""
    out = scratch / "design"
    shutil.copytree(design, out)
    report = simulate(out, frames=frames, backpressure=backpressure)
    assert report["bit_exact"], report["first_mismatch"]
    assert not report["streams_with_lost_or_extra_beats"] and len(report["streams"]) > min_streams
    assert abs(report["cycles_vs_analytic"] - 1.0) <= 0.05
    return report
