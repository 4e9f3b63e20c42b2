"""A user-defined build step, as a user would write one (used by test_build)."""
from pathlib import Path


def count_nodes(model, cfg):
    (Path(cfg.out) / "custom_step_nodes.txt").write_text(str(len(model.graph.node)))
    return model


def divide_by_zero(model, cfg):
    """A user's step with a bug of its own (test_internal_errors)."""
    return len(model.graph.node) / 0
