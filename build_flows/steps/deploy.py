"""The `deploy` output as a build step: build/X/deploy/ (deploy/package.py)."""
from qonnx.core.modelwrapper import ModelWrapper

from ..deploy.package import write_deploy
from .dataflow import get_dataflow


def step_deploy(model: ModelWrapper, cfg) -> ModelWrapper:
    """The deployment package: driver, settings, notebook, board README, bitfile when built."""
    write_deploy(model, get_dataflow(model), cfg)
    return model
