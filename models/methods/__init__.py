"""Training methods of the seed papers (issue #4), one file each. So far: IR-Net's building blocks."""
