"""Steps on the QONNX graph before FINN+ sees it: tidy, integer pixel input, label-select head,
FracBNN's subgraphs to bcnn layers."""
import numpy as np
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.general import GiveReadableTensorNames, GiveUniqueNodeNames
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.transformation.insert_topk import InsertTopK
from qonnx.util.cleanup import cleanup_model

from models.errors import BcnnError

from ..checks import refuse_window_over_one_pixel
from ..transformation.fracbnn import InferThermometer, check_no_fracbnn_leftovers
from ..transformation.fracbnn_units import InferFractionalUnits
from ..transformation.narrow_maps import CropWindowsToMap
from ..transformation.repeat_channels import RemoveNoOpExpand
from ..transformation.squeeze_interaction import ExplicitPixelBroadcast

PIXEL_INPUT = "pixels"


def tidy(model: ModelWrapper) -> ModelWrapper:
    """Cleanup, shape and datatype inference, unique and readable names (shared by several steps)."""
    model = cleanup_model(model).transform(RemoveNoOpExpand())
    for t in (InferShapes(), InferDataTypes(), GiveUniqueNodeNames(), GiveReadableTensorNames()):
        model = model.transform(t)
    return model


def step_tidy(model: ModelWrapper, cfg) -> ModelWrapper:
    """Constant folding, shape/datatype inference and readable names; a broadcasting Add (DGRL's
    SI output) gets its broadcast as explicit layers; a window wider than its one-pixel map is
    cropped to the kernel row (column) that meets the map."""
    model = tidy(tidy(model).transform(ExplicitPixelBroadcast()).transform(CropWindowsToMap()))
    refuse_window_over_one_pixel(model, cfg.model, croppable=False)  # one the crop had to leave (shared weights)
    return model


def step_add_pixel_input(model: ModelWrapper, cfg) -> ModelWrapper:
    """Make the accelerator take integers: prepend `x / input_scale` (and a model's input
    normalisation, `(x - input_mean) / input_std` per channel) to the graph and declare the new
    input UINT8 (for 255), so streamlining folds them into the input thresholds."""
    old = model.graph.input[0]
    shape = model.get_tensor_shape(old.name)
    channels = (1, -1) + (1,) * (len(shape) - 2)
    steps = [("Mul", np.asarray(1.0 / cfg.input_scale, dtype=np.float32))]
    if cfg.input_mean is not None:
        steps.append(("Sub", np.asarray(cfg.input_mean, dtype=np.float32).reshape(channels)))
    if cfg.input_std is not None:
        steps.append(("Div", np.asarray(cfg.input_std, dtype=np.float32).reshape(channels)))
    for values, option in ((cfg.input_mean, "--input-mean"), (cfg.input_std, "--input-std")):
        if values is not None and len(values) not in (1, shape[1]):
            raise BcnnError(f"{option}: {len(values)} values for an input of {shape[1]} channels (shape {shape}); "
                            "give one value or one per channel")
    tensor = PIXEL_INPUT
    nodes = []
    for index, (op, value) in enumerate(steps):
        constant = model.make_new_valueinfo_name()
        model.set_initializer(constant, value)
        out = old.name if index == len(steps) - 1 else model.make_new_valueinfo_name()
        nodes.append(helper.make_node(op, [tensor, constant], [out]))
        tensor = out
    for node in reversed(nodes):
        model.graph.node.insert(0, node)
    model.graph.input.remove(old)
    model.graph.input.insert(0, helper.make_tensor_value_info(PIXEL_INPUT, TensorProto.FLOAT, shape))
    model.graph.value_info.append(old)
    bits = int(np.ceil(np.log2(cfg.input_scale + 1)))
    model.set_tensor_datatype(PIXEL_INPUT, DataType[f"UINT{bits}"])
    return tidy(model)


def step_insert_label_select(model: ModelWrapper, cfg) -> ModelWrapper:
    """Append top-1 (TopK k=1): the accelerator outputs the class index. Streamlining later
    absorbs the classifier's positive scalar scale and bias into it."""
    return tidy(model.transform(InsertTopK(k=1)))


def step_infer_fracbnn(model: ModelWrapper, cfg) -> ModelWrapper:
    """FracBNN's thermometer input and fractional units -> Thermometer_bcnn, FracMVAU_bcnn (see
    build_flows/fracbnn.py); a no-op for other models."""
    model = model.transform(InferThermometer()).transform(InferFractionalUnits())
    check_no_fracbnn_leftovers(model, cfg.model)
    return tidy(model)
