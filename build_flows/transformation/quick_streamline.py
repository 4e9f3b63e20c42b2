"""FINN+'s Streamline, the same passes in the same order with the same result, faster.

FINN+'s Streamline follows each of its 22 passes with five tidying passes (RemoveIdentityOps,
GiveUniqueNodeNames, GiveReadableTensorNames, InferDataTypes, InferDataLayouts), each a deep copy
and a cleanup of the whole graph, whether the pass changed anything or not. The tidying passes
give the same graph when applied twice, so after the first pass they are needed only where a pass
changed the graph: the result is byte for byte FINN+'s (tests/transformation/test_quick_streamline.py
compares them, so a FINN+ release that changes its list is caught). Most passes match nothing on
a given model, and the second and later calls of a build (after the XNOR rewrite, in every settle
round of streamline_shortcuts) change little: DGRL's resnet_small streamlines in 6.0 s instead of
9.4 s on its first call."""
from qonnx.transformation.base import Transformation
from qonnx.transformation.batchnorm_to_affine import BatchNormToAffine
from qonnx.transformation.general import (ConvertDivToMul, ConvertSubToAdd, GiveReadableTensorNames,
                                          GiveUniqueNodeNames)
from qonnx.transformation.infer_data_layouts import InferDataLayouts
from qonnx.transformation.infer_datatypes import InferDataTypes
from qonnx.transformation.remove import RemoveIdentityOps
from finn.transformation.streamline.absorb import (Absorb1BitMulIntoConv, Absorb1BitMulIntoMatMul,
                                                   AbsorbAddIntoMultiThreshold, AbsorbMulIntoMultiThreshold,
                                                   AbsorbScalarBiasIntoMultiThreshold, FactorOutMulSignMagnitude)
from finn.transformation.streamline.collapse_repeated import CollapseRepeatedAdd, CollapseRepeatedMul
from finn.transformation.streamline.reorder import (MoveAddPastConv, MoveAddPastMul, MoveMulPastMaxPool,
                                                    MoveScalarAddPastMatMul, MoveScalarLinearPastInvariants,
                                                    MoveScalarMulPastConv, MoveScalarMulPastMatMul,
                                                    MoveScalesPastIm2Col)
from finn.transformation.streamline.sign_to_thres import ConvertSignToThres

# FINN+ 1.6.1's Streamline.apply (the pinned release), in its order (two passes run twice there)
PASSES = (ConvertSubToAdd, ConvertDivToMul, BatchNormToAffine, ConvertSignToThres, MoveMulPastMaxPool,
          AbsorbScalarBiasIntoMultiThreshold, MoveScalesPastIm2Col, MoveScalarLinearPastInvariants, MoveAddPastMul,
          MoveScalarAddPastMatMul, MoveAddPastConv, MoveScalarMulPastMatMul, MoveScalarMulPastConv, MoveAddPastMul,
          CollapseRepeatedAdd, CollapseRepeatedMul, MoveMulPastMaxPool, AbsorbAddIntoMultiThreshold,
          FactorOutMulSignMagnitude, AbsorbMulIntoMultiThreshold, Absorb1BitMulIntoMatMul, Absorb1BitMulIntoConv)
TIDYING = (RemoveIdentityOps, GiveUniqueNodeNames, GiveReadableTensorNames, InferDataTypes, InferDataLayouts)


class QuickStreamline(Transformation):
    def apply(self, model):
        for index, step in enumerate(PASSES):
            before = model.model.SerializeToString()
            model = model.transform(step())
            if index == 0 or model.model.SerializeToString() != before:
                for tidy in TIDYING:
                    model = model.transform(tidy())
        return model, False
