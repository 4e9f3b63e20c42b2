"""Thermometer_bcnn: FracBNN's thermometer input encoder, implemented by hw/thermometer/bcnn_thermometer.sv.

Input: vectors of NumChannels integer pixels; output: NumChannels * Levels binary channels,
pixel c's level l at c * Levels + l, set where pixel >= thresholds[l]. The output is BIPOLAR
(+1 / -1, what the first binary layer multiplies) until the first layer becomes an XNOR-popcount,
which makes it BINARY (1 / 0): the bits on the stream are the same."""
from pathlib import Path

import numpy as np
from finn.custom_op.fpgadataflow.hwcustomop import HWCustomOp
from qonnx.core.datatype import DataType

from .base import BcnnRTLOp, LogicOnly, RtlInstance, hw_source


class Thermometer_bcnn(LogicOnly, HWCustomOp, BcnnRTLOp):
    def get_nodeattr_types(self):
        attrs = {
            "NumChannels": ("i", True, 0),
            "Levels": ("i", True, 0),
            "thresholds": ("ints", True, []),  # ascending integer pixel thresholds, one per level
            "PE": ("i", False, 1),
            "inputDataType": ("s", True, ""),
            "outputDataType": ("s", False, "BIPOLAR", {"BIPOLAR", "BINARY"}),
            "numInputVectors": ("ints", False, [1]),
        }
        attrs.update(super().get_nodeattr_types())
        return attrs

    def _vectors(self) -> list:
        return list(self.get_nodeattr("numInputVectors"))

    def get_normal_input_shape(self, ind=0):
        return tuple(self._vectors() + [self.get_nodeattr("NumChannels")])

    def get_normal_output_shape(self, ind=0):
        return tuple(self._vectors() + [self.get_nodeattr("NumChannels") * self.get_nodeattr("Levels")])

    def get_folded_input_shape(self, ind=0):
        pe = self.get_nodeattr("PE")
        return tuple(self._vectors() + [self.get_nodeattr("NumChannels") // pe, pe])

    def get_folded_output_shape(self, ind=0):
        pe = self.get_nodeattr("PE")
        return tuple(self._vectors() + [self.get_nodeattr("NumChannels") // pe, pe * self.get_nodeattr("Levels")])

    def get_input_datatype(self, ind=0):
        return DataType[self.get_nodeattr("inputDataType")]

    def get_output_datatype(self, ind=0):
        return DataType[self.get_nodeattr("outputDataType")]

    def get_instream_width(self, ind=0):
        return self.get_nodeattr("PE") * self.get_input_datatype().bitwidth()

    def get_outstream_width(self, ind=0):
        return self.get_nodeattr("PE") * self.get_nodeattr("Levels")

    def get_number_output_values(self):
        return int(np.prod(self.get_folded_output_shape()[:-1]))

    def get_exp_cycles(self):
        return int(np.prod(self._vectors())) * self.get_nodeattr("NumChannels") // self.get_nodeattr("PE")

    def infer_node_datatype(self, model):
        self.set_nodeattr("inputDataType", model.get_tensor_datatype(self.onnx_node.input[0]).name)
        model.set_tensor_datatype(self.onnx_node.output[0], self.get_output_datatype())

    def execute_node(self, context, graph):
        node = self.onnx_node
        pixels = np.asarray(context[node.input[0]])
        bits = pixels[..., None] >= np.asarray(self.get_nodeattr("thresholds"))
        low = -1.0 if self.get_output_datatype() == DataType["BIPOLAR"] else 0.0
        context[node.output[0]] = np.where(bits, 1.0, low).reshape(*pixels.shape[:-1], -1).astype(np.float32)

    def lut_estimation(self, fpgapart):
        """One comparator of a pixel against a constant per output bit (a few LUTs for 8 bits),
        and the output register."""
        return self.get_nodeattr("PE") * self.get_nodeattr("Levels") * (self.get_input_datatype().bitwidth() // 4 + 1)

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        in_bits, levels, pe = self.get_input_datatype().bitwidth(), self.get_nodeattr("Levels"), self.get_nodeattr("PE")
        packed = sum(int(t) << (i * (in_bits + 1)) for i, t in enumerate(self.get_nodeattr("thresholds")))
        params = dict(PE=pe, IN_BITS=in_bits, LEVELS=levels, THRESHOLDS=packed)
        return RtlInstance("bcnn_thermometer", [hw_source("thermometer/bcnn_thermometer.sv")], params,
                           in_bits=pe * in_bits, out_bits=pe * levels)
