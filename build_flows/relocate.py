"""Moving a build: FINN+ records absolute paths (in ONNX node attributes and in generated Tcl/
Makefiles), so a directory that moves must have them rewritten. Used when generated code is
gathered under codegen/, and when a finished build is renamed from its temporary path."""
from pathlib import Path

import onnx

# Weight/threshold memory files (.dat, .npy) hold numbers only and are skipped.
TEXT_SUFFIXES = {".tcl", ".cpp", ".h", ".hpp", ".v", ".sv", ".vh", ".svh", ".sh", ".json", ".yaml", ".txt", ""}
MAX_TEXT_BYTES = 8 << 20


def rewrite_onnx_paths(path: Path, old: str, new: str) -> None:
    model = onnx.load(str(path))
    changed = False
    graphs = [model.graph]
    for graph in graphs:
        for node in graph.node:
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.STRING and old.encode() in attr.s:
                    attr.s = attr.s.replace(old.encode(), new.encode())
                    changed = True
                if attr.type == onnx.AttributeProto.GRAPH:
                    graphs.append(attr.g)
    if changed:
        onnx.save(model, str(path))


def rewrite_paths(root: Path, old: str, new: str) -> None:
    """Replace the absolute path `old` by `new` in every ONNX model and small text file below root."""
    for path in Path(root).rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".onnx":
            rewrite_onnx_paths(path, old, new)
        elif path.suffix in TEXT_SUFFIXES and path.stat().st_size <= MAX_TEXT_BYTES:
            try:
                text = path.read_text()
            except UnicodeDecodeError:
                continue
            if old in text:
                path.write_text(text.replace(old, new))
