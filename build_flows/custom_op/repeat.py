"""RepeatChannels_bcnn: every pixel's channels repeated REPEATS times in a row (SoFAr's widening
shortcut, exported as Tile), implemented by hw/repeat/bcnn_repeat.sv. NHWC: input (..., C),
output (..., R*C) = [x, x, ...]; SIMD elements per beat on both sides."""
from pathlib import Path

import numpy as np
from finn.custom_op.fpgadataflow.hwcustomop import HWCustomOp
from qonnx.core.datatype import DataType

from .base import BcnnRTLOp, LogicOnly, RtlInstance, hw_source


class RepeatChannels_bcnn(LogicOnly, HWCustomOp, BcnnRTLOp):
    def get_nodeattr_types(self):
        attrs = {
            "NumChannels": ("i", True, 0),
            "Repeats": ("i", True, 2),
            "SIMD": ("i", False, 1),
            "inputDataType": ("s", True, ""),
            "numInputVectors": ("ints", False, [1]),
        }
        attrs.update(super().get_nodeattr_types())
        return attrs

    def _vectors(self) -> list:
        return list(self.get_nodeattr("numInputVectors"))

    def _channels(self, ind=0, out=False) -> int:
        return self.get_nodeattr("NumChannels") * (self.get_nodeattr("Repeats") if out else 1)

    def get_normal_input_shape(self, ind=0):
        return tuple(self._vectors() + [self._channels()])

    def get_normal_output_shape(self, ind=0):
        return tuple(self._vectors() + [self._channels(out=True)])

    def get_folded_input_shape(self, ind=0):
        simd = self.get_nodeattr("SIMD")
        return tuple(self._vectors() + [self._channels() // simd, simd])

    def get_folded_output_shape(self, ind=0):
        simd = self.get_nodeattr("SIMD")
        return tuple(self._vectors() + [self._channels(out=True) // simd, simd])

    def get_input_datatype(self, ind=0):
        return DataType[self.get_nodeattr("inputDataType")]

    def get_output_datatype(self, ind=0):
        return self.get_input_datatype()

    def get_instream_width(self, ind=0):
        return self.get_nodeattr("SIMD") * self.get_input_datatype().bitwidth()

    def get_outstream_width(self, ind=0):
        return self.get_instream_width()

    def get_number_output_values(self):
        return int(np.prod(self.get_folded_output_shape()[:-1]))

    def get_exp_cycles(self):
        return self.get_number_output_values()

    def infer_node_datatype(self, model):
        self.set_nodeattr("inputDataType", model.get_tensor_datatype(self.onnx_node.input[0]).name)
        model.set_tensor_datatype(self.onnx_node.output[0], self.get_output_datatype())

    def execute_node(self, context, graph):
        node = self.onnx_node
        x = np.asarray(context[node.input[0]])
        reps = [1] * (x.ndim - 1) + [self.get_nodeattr("Repeats")]
        context[node.output[0]] = np.tile(x, reps).astype(np.float32)

    def lut_estimation(self, fpgapart):
        """The kept pixel in LUT RAM (64 bits per LUT) and a multiplexer per output bit."""
        bits = self.get_instream_width()
        folds = self._channels() // self.get_nodeattr("SIMD")
        return bits * (-(-folds // 64)) + bits

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        simd, bits = self.get_nodeattr("SIMD"), self.get_input_datatype().bitwidth()
        params = dict(SIMD=simd, BITS=bits, FOLDS=self._channels() // simd, REPEATS=self.get_nodeattr("Repeats"))
        return RtlInstance("bcnn_repeat", [hw_source("repeat/bcnn_repeat.sv")], params, in_bits=simd * bits,
                           out_bits=simd * bits)


class BroadcastPixels_bcnn(RepeatChannels_bcnn):
    """One (N, C) vector per frame repeated at every pixel of an OutputDims map: output
    (N, H, W, C) (DGRL's SI output added to a block's feature map). As a stream it is a channel
    repeat of one pixel H*W times, so it is the same hw module."""

    def get_nodeattr_types(self):
        attrs = super().get_nodeattr_types()
        attrs["OutputDims"] = ("ints", True, [1, 1])
        return attrs

    def get_normal_output_shape(self, ind=0):
        return tuple(self._vectors() + list(self.get_nodeattr("OutputDims")) + [self._channels()])

    def get_folded_output_shape(self, ind=0):
        simd = self.get_nodeattr("SIMD")
        return tuple(self._vectors() + list(self.get_nodeattr("OutputDims")) + [self._channels() // simd, simd])

    def lut_estimation(self, fpgapart):
        """A channel repeat's, plus the counter of H*W repeats (measured: 24-26 LUT for 16 or 32
        channels at 196 or 49 pixels, Yosys)."""
        return super().lut_estimation(fpgapart) + self.get_nodeattr("Repeats").bit_length()

    def execute_node(self, context, graph):
        node = self.onnx_node
        x = np.asarray(context[node.input[0]])
        out = np.broadcast_to(x[:, None, None, :], self.get_normal_output_shape())
        context[node.output[0]] = np.ascontiguousarray(out, dtype=np.float32)
