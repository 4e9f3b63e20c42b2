"""A classifier's per-class bias (Brevitas' QuantLinear keeps bias=True by default) into the
label select, exactly.

After streamlining, the last layer's integer scores a reach the top-1 through y = s * a + b: a
positive per-tensor scale s and a float bias b per class. FINN+ absorbs only a scalar bias into
its TopK; a per-class one stays a float Add that no hardware layer takes. The ranking of y is the
ranking of a + d with d = b / s, and with a integer, comparing a_i + d_i with a_j + d_j needs
only floor(d) and the order of the fractional parts: a_i + d_i > a_j + d_j exactly when
(a_i + floor(d_i), rank(frac(d_i))) > (a_j + floor(d_j), rank(frac(d_j))) lexicographically. So
the label select ranks the integers a * 2^r + (floor(d) * 2^r + rank(frac(d))), r the bits of the
ranks, with ONNX TopK's tie rule (the lower index) where y ties exactly.

InferLabelSelectWithOffsets (conversion to hardware, before FINN+'s InferLabelSelectLayer): Mul
(scalar, positive; optional) -> Add (per class) -> TopK on an integer tensor -> LabelSelect_bcnn
with classOffsets and offsetShift. A per-class scale is refused by name: ranking s_i * a_i + b_i
needs a multiplier per class (quantize the classifier per tensor)."""
import numpy as np
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.infer_shapes import InferShapes

from models.errors import BcnnError

from ..custom_op.base import DOMAIN
from .graph_match import producer


def class_offsets(scale: float, bias: np.ndarray) -> tuple:
    """(offsets, shift) with a * 2^shift + offsets ranked as s * a + b for every integer a."""
    d = np.asarray(bias, dtype=np.float64).reshape(-1) / float(scale)
    whole = np.floor(d)
    fractions = d - whole
    ranks = np.searchsorted(np.unique(fractions), fractions)
    shift = int(ranks.max()).bit_length()
    return [int(w) * (1 << shift) + int(r) for w, r in zip(whole, ranks)], shift


class InferLabelSelectWithOffsets(Transformation):
    def apply(self, model):
        for topk in model.get_nodes_by_op_type("TopK"):
            add = producer(model, topk.input[0], "Add")
            if add is None or model.find_consumer(topk.output[0]) is not None:
                continue
            bias = model.get_initializer(add.input[1])
            if bias is None or bias.size == 1:
                continue  # a scalar bias: FINN+'s AbsorbScalarMulAddIntoTopK
            mul = producer(model, add.input[0], "Mul")
            scale = model.get_initializer(mul.input[1]) if mul is not None else np.ones(1)
            scores = mul.input[0] if mul is not None else add.input[0]
            if scale is None or not model.get_tensor_datatype(scores).is_integer():
                continue
            if scale.size != 1 or float(scale.reshape(-1)[0]) <= 0:
                raise BcnnError(f"node '{(mul if mul is not None else add).name}': the classifier's scores are scaled per class (or by a "
                                "non-positive scale) before the top-1; bcnn ranks integer scores with a per-class bias "
                                "but no per-class scale: quantize the last layer's weights per tensor")
            offsets, shift = class_offsets(float(scale.reshape(-1)[0]), bias)
            labels = int(model.get_tensor_shape(scores)[-1])
            k = int(model.get_initializer(topk.input[1]).reshape(-1)[0])
            new = helper.make_node("LabelSelect_bcnn", [scores], [topk.output[1]], name=f"LabelSelect_{topk.name}",
                                   domain=DOMAIN, backend="fpgadataflow", Labels=labels, PE=1, K=k,
                                   inputDataType=model.get_tensor_datatype(scores).name,
                                   outputDataType=DataType.get_smallest_possible(labels - 1).name,
                                   numInputVectors=list(model.get_tensor_shape(scores)[:-1]),
                                   classOffsets=offsets, offsetShift=shift)
            model.graph.node.insert(list(model.graph.node).index(topk), new)
            for old in (topk, add, mul):
                if old is not None:
                    model.graph.node.remove(old)
            return model.transform(InferShapes()).transform(InferDataTypes()), True
        return model, False

