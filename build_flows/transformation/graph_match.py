"""Small queries for matching subgraph patterns in a transformation."""


def producer(model, tensor: str, op_type: str):
    """The node of `op_type` that makes `tensor`, or None."""
    node = model.find_producer(tensor)
    return node if node is not None and node.op_type == op_type else None


def only_consumer(model, tensor: str, op_type: str):
    """The one node reading `tensor`, if it is of `op_type`; None otherwise."""
    consumers = model.find_consumers(tensor)
    return consumers[0] if len(consumers) == 1 and consumers[0].op_type == op_type else None


def new_tensor(model, shape, dt) -> str:
    """A fresh tensor name with its shape and datatype set."""
    name = model.make_new_valueinfo_name()
    model.set_tensor_shape(name, list(shape))
    model.set_tensor_datatype(name, dt)
    return name


def scalar(model, tensor: str):
    """The value of a one-element initializer, or None."""
    value = model.get_initializer(tensor)
    return None if value is None or value.size != 1 else float(value.reshape(-1)[0])
