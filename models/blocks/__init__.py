"""Every nn.Module a technique adds, below the topologies that use them: the final ScalarNorm
(layers), the Parts a method gives a topology and their factories (parts), the binary unit every
topology is built from (units), IR-Net's Libra-PB/EDE quantizers (irnet), FracBNN's thermometer
encoder and gated fractional activations (fracbnn), DGRL's Squeeze-and-Interaction shortcut (si)."""
