"""Imports point back along the data flow: quantizers -> blocks -> topologies -> recipes ->
registry -> checkpoint -> methods -> training -> export -> hardware flow. No package imports
from a later layer, nothing imports in a cycle, and models/ has no import hidden in a function
(the way a cycle is usually dodged)."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "build_flows", "hw")
# Layers of models/ in data-flow order; a module may import from its own layer or earlier ones.
MODEL_LAYERS = [
    ("models.errors", "models.names"),
    ("models.quantizers", "models.data", "models.augment", "models.curves"),
    ("models.blocks",),
    ("models.topologies",),
    ("models.recipes",),
    ("models.registry",),
    ("models.random_init", "models.checkpoint"),
    ("models.methods", "models.distill"),
    ("models.train",),
    ("models.export",),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if not path.name.startswith("test_"):
                found[module_name(path)] = path
    return found


def imports(name: str, path: Path, known: set) -> list:
    """(imported project module, line, inside a function?) for every import in the file."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    in_function = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for n in ast.walk(f) if n is not f}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target:
                found.append((target, node.lineno, id(node) in in_function))
    return found


GRAPH = {name: imports(name, path, set(modules())) for name, path in modules().items()}


def layer(name: str) -> int | None:
    for rank, prefixes in enumerate(MODEL_LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return rank
    if name.startswith("hw"):
        return len(MODEL_LAYERS)
    if name.startswith("build_flows"):
        return len(MODEL_LAYERS) + 1
    return None


def test_every_model_module_has_a_layer():
    assert [name for name in GRAPH if name.startswith("models.") and layer(name) is None] == []


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_imports_point_back_along_the_data_flow(name):
    later = [f"{target} (line {line})" for target, line, _ in GRAPH[name]
             if None not in (layer(target), layer(name)) and layer(target) > layer(name)]
    assert not later, f"{name} imports from a later layer: {', '.join(later)}"


def test_models_import_at_module_level_only():
    hidden = [f"{name} imports {target} inside a function (line {line})"
              for name, edges in GRAPH.items() if name.startswith("models")
              for target, line, inside in edges if inside]
    assert not hidden, hidden


def test_no_import_cycles():
    state, cycles = {}, []

    def visit(name, stack):
        state[name] = "open"
        for target, _, _ in GRAPH[name]:
            if target == name:
                continue
            if state.get(target) == "open":
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target, stack + [target])
        state[name] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)
