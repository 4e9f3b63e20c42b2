"""What can be folded: each layer kind's folding attributes and the dimension each must divide."""
# Layer kind -> (folding attribute, attribute of the dimension it must divide)
FOLDED_DIMENSIONS = {
    "MVAU": (("PE", "MH"), ("SIMD", "MW")),
    "Thresholding": (("PE", "NumChannels"),),
    "ConvolutionInputGenerator": (("SIMD", "IFMChannels"),),
    "Pool": (("PE", "Channels"),),
    "LabelSelect": (("PE", "Labels"),),
    "FMPadding": (("SIMD", "NumChannels"),),
    "DuplicateStreams": (("PE", "NumChannels"),),
    "FracMVAU": (("PE", "MH"), ("SIMD", "MW")),
    "Thermometer": (("PE", "NumChannels"),),
    "RepeatChannels": (("SIMD", "NumChannels"),),
}
# bcnn's layers without a FINN+ counterpart (MVAU_bcnn: a zero-padded binary convolution's, made before
# folding), which FINN+'s SetFolding does not know: folded here,
# with the dimensions they fold in the order they are raised (SIMD before PE, as FINN+'s MVAU)
BCNN_FOLDING = {"MVAU_bcnn": (("SIMD", "MW"), ("PE", "MH")), "FracMVAU_bcnn": (("SIMD", "MW"), ("PE", "MH")), "Thermometer_bcnn": (("PE", "NumChannels"),),
                 "RepeatChannels_bcnn": (("SIMD", "NumChannels"),), "BroadcastPixels_bcnn": (("SIMD", "NumChannels"),),
                 "GlobalSum_bcnn": (("PE", "NumChannels"),), "LabelSelect_bcnn": (("PE", "Labels"),)}


def layer_kind(op_type: str) -> str:
    """`MVAU_hls` -> `MVAU`: the abstract layer behind a specialization."""
    for suffix in ("_hls", "_rtl", "_bcnn"):
        if op_type.endswith(suffix):
            return op_type[: -len(suffix)]
    return op_type


def divisors(n: int) -> list:
    return [d for d in range(1, n + 1) if n % d == 0]
