"""Running a built accelerator: `open_accelerator(path, backend)` (accelerator.py)."""
