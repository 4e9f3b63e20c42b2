"""Models bcnn did not write: small binary and few-bit CNNs in plain Brevitas, the way users write
them (net.py, from a JSON-able spec), a corpus with one model per pattern users write
(corpus.py), and a seeded generator of random ones for the model fuzzer (fuzz.py)."""
