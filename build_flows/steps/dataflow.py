"""Access to the dataflow partition (the child model behind the StreamingDataflowPartition node).

Steps after the partition change the child; the parent stays the model every step returns, so
verification always executes the whole graph (software head + accelerator + software tail)."""
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from models.errors import BcnnError


def partition_node(model: ModelWrapper):
    nodes = model.get_nodes_by_op_type("StreamingDataflowPartition")
    if len(nodes) != 1:
        raise BcnnError(f"expected one dataflow partition in the graph, found {len(nodes)}")
    return getCustomOp(nodes[0])


def get_dataflow(model: ModelWrapper) -> ModelWrapper:
    return ModelWrapper(partition_node(model).get_nodeattr("model"))


def set_dataflow(model: ModelWrapper, cfg, step_name: str, child: ModelWrapper) -> ModelWrapper:
    """Save `child` as this step's dataflow model and point the partition node at it."""
    path = Path(cfg.out) / "intermediate" / f"dataflow_{step_name}.onnx"
    path.parent.mkdir(parents=True, exist_ok=True)
    child.save(str(path))
    partition_node(model).set_nodeattr("model", str(path.resolve()))
    return model


def transform_dataflow(model: ModelWrapper, cfg, step_name: str, fn) -> ModelWrapper:
    return set_dataflow(model, cfg, step_name, fn(get_dataflow(model)))
