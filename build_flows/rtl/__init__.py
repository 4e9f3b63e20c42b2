"""The RTL backend: bcnn's own ops for what FINN+ has only in HLS, and the stitched top."""
