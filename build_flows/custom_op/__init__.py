"""bcnn's own hardware ops (ONNX domain `build_flows.custom_op`): FINN+'s abstract layers
implemented by the hw/ SystemVerilog library.

Each op subclasses the FINN+ abstract op, so shapes, folding, cycle estimates and the python
execution (the reference the RTL is checked against) are FINN+'s own; resource estimates reuse
FINN+'s models. What an op adds is its RTL instance: which hw/ module, with which parameters
and memory files (base.BcnnRTLOp). FracBNN's layers (FracMVAU_bcnn, Thermometer_bcnn), the
channel repeat (RepeatChannels_bcnn) and the SI's squeeze and broadcast (GlobalSum_bcnn,
BroadcastPixels_bcnn) have no FINN+ counterpart; our transformations make them (build_flows/fracbnn.py,
build_flows/repeat_channels.py, build_flows/squeeze_interaction.py)."""
from .concat import StreamingConcat_bcnn
from .dwc import StreamingDataWidthConverter_bcnn
from .fork import DuplicateStreams_bcnn
from .frac_mvau import FracMVAU_bcnn
from .join import ElementwiseAdd_bcnn
from .label_select import LabelSelect_bcnn
from .mvau import MVAU_bcnn
from .global_sum import GlobalSum_bcnn
from .pool import Pool_bcnn
from .repeat import BroadcastPixels_bcnn, RepeatChannels_bcnn
from .thermometer import Thermometer_bcnn
from .thresholding import Thresholding_bcnn
from .zero_pad_xnor import ZeroPadXnorMatMul

custom_op = {"MVAU_bcnn": MVAU_bcnn, "LabelSelect_bcnn": LabelSelect_bcnn, "Pool_bcnn": Pool_bcnn,
             "Thresholding_bcnn": Thresholding_bcnn, "StreamingDataWidthConverter_bcnn": StreamingDataWidthConverter_bcnn,
             "DuplicateStreams_bcnn": DuplicateStreams_bcnn, "ElementwiseAdd_bcnn": ElementwiseAdd_bcnn,
             "FracMVAU_bcnn": FracMVAU_bcnn, "Thermometer_bcnn": Thermometer_bcnn,
             "RepeatChannels_bcnn": RepeatChannels_bcnn, "StreamingConcat_bcnn": StreamingConcat_bcnn,
             "GlobalSum_bcnn": GlobalSum_bcnn, "BroadcastPixels_bcnn": BroadcastPixels_bcnn,
             "ZeroPadXnorMatMul": ZeroPadXnorMatMul}
