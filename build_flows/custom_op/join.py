"""ElementwiseAdd_bcnn: FINN+'s ElementwiseAdd of two streams (a residual's join: long branch plus
shortcut) implemented by hw/join/bcnn_add.sv. Constant operands (a bias) are absorbed into
thresholds by streamlining; a join of two streams is what the hardware adds."""
from pathlib import Path

from finn.custom_op.fpgadataflow.elementwise_binary import ElementwiseAdd

from models.errors import BcnnError

from .base import BcnnRTLOp, LogicOnly, RtlInstance, hw_source


class ElementwiseAdd_bcnn(LogicOnly, ElementwiseAdd, BcnnRTLOp):
    def lut_estimation(self, fpgapart):
        """A carry chain per output bit of every lane (one LUT each), plus the handshake."""
        return self.pe * self.out_dtype.bitwidth() + 2

    def rtl_instance(self, model, directory: Path, fpgapart: str) -> RtlInstance:
        node = self.onnx_node
        if self.lhs_style != "input" or self.rhs_style != "input":
            raise BcnnError(f"layer '{node.name}': bcnn_add joins two streams; a constant operand should have "
                            "been absorbed into thresholds by streamlining")
        if list(self.lhs_shape) != list(self.rhs_shape):
            raise BcnnError(f"layer '{node.name}': bcnn_add needs operands of one shape, got "
                            f"{list(self.lhs_shape)} and {list(self.rhs_shape)} (broadcasting is not streamed)")
        a, b, out = self.lhs_dtype, self.rhs_dtype, self.out_dtype
        if not (a.is_integer() and b.is_integer()) or max(a.bitwidth(), b.bitwidth()) > 32:
            raise BcnnError(f"layer '{node.name}': bcnn_add adds integers of up to 32 bits, got {a.name} + {b.name}")
        pe = self.pe
        params = dict(PE=pe, A_BITS=a.bitwidth(), B_BITS=b.bitwidth(), OUT_BITS=out.bitwidth(),
                      A_SIGNED=a.signed(), B_SIGNED=b.signed())
        in_widths = [pe * a.bitwidth(), pe * b.bitwidth()]
        return RtlInstance("bcnn_add", [hw_source("join/bcnn_add.sv")], params, in_bits=sum(in_widths),
                           out_bits=pe * out.bitwidth(), in_widths=in_widths)
