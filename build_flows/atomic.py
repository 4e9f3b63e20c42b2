"""Results written whole or not at all: a temporary file beside the target, then a rename, so an
interrupted run never leaves a torn report or cache entry looking complete."""
import json
import os
from pathlib import Path


def write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.partial{os.getpid()}")  # per process: parallel writers never share one
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def write_json(path: Path, data, indent: int = 2) -> Path:
    return write_bytes(path, json.dumps(data, indent=indent).encode())
