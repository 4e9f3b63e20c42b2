"""Imports point back along the data flow: quantizers -> blocks -> topologies -> recipes ->
registry -> checkpoint -> methods -> training -> export -> hw/ -> the hardware flow, and inside
the flow: settings -> checks -> custom ops -> graph passes -> analysis -> folding -> verification
-> RTL -> simulation -> synthesis -> vendor tier -> steps -> flow -> explore -> cli. No module
imports from a later layer, nothing imports in a cycle, and models/ has no import hidden in a
function (the way a cycle is usually dodged)."""
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
    ("models.user_style",),
    ("models.methods", "models.distill"),
    ("models.train",),
    ("models.reference_samples",),
    ("models.export",),
]
# Layers of build_flows/ in data-flow order, after hw/.
FLOW_LAYERS = [
    ("build_flows.atomic", "build_flows.boards", "build_flows.fault_location", "build_flows.finn_env",
     "build_flows.relocate"),
    ("build_flows.config",),
    ("build_flows.checks",),
    ("build_flows.custom_op",),
    ("build_flows.transformation",),
    ("build_flows.analysis",),
    ("build_flows.folding",),
    ("build_flows.verify",),
    ("build_flows.rtl",),
    ("build_flows.sim",),
    ("build_flows.synth",),
    ("build_flows.vendor",),
    ("build_flows.deploy", "build_flows.runtime"),
    ("build_flows.steps",),
    ("build_flows.flow",),
    ("build_flows.explore",),
    ("build_flows.cli",),
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


LAYERS = [*MODEL_LAYERS, ("hw",), *FLOW_LAYERS]


def layer(name: str) -> int | None:
    for rank, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            return rank
    return None


def test_every_module_has_a_layer():
    assert [name for name in GRAPH if name not in PACKAGES and layer(name) is None] == []


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
