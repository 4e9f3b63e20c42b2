"""Folding (PE and SIMD lanes per layer): what each layer kind may fold (rules), the fastest
folding within a board's budget by FINN+'s estimates (grow_bottleneck)."""
