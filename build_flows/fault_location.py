"""Where an unexpected exception happened, in words a user can put in a bug report.

An assert deep inside FINN+ says nothing by itself (`AssertionError:`). The traceback's frames do
know more: the innermost frame of a custom op (a frame whose `self` has an `onnx_node`) names the
node, a graph pass's frame (`self` a qonnx Transformation) names the pass and, in its loop
variable, the node it was rewriting; the innermost frame outside numpy and the standard library
names the line that raised. `describe` puts them into words."""
import linecache
import site
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path


# A failure inside these (or the standard library) is located better by the frame that called them.
PLUMBING = ("numpy", "scipy", "onnxruntime", "torch", "pandas")
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()
PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAX_MESSAGE = 160


# By type name, not isinstance: the CLI imports this module at start-up, and onnx and qonnx take
# a second to import (`bcnn --help` takes 0.1 s).
def _is_node(value) -> bool:
    return type(value).__name__ == "NodeProto" and hasattr(value, "op_type")


def _is_pass(value) -> bool:
    return any(c.__name__ == "Transformation" and c.__module__.startswith("qonnx.") for c in type(value).__mro__)


@dataclass
class FaultSite:
    node: str | None  # the ONNX node being worked on, if any frame knew it
    op_type: str | None
    transformation: str | None  # the innermost graph pass running
    file: str  # short path of the line that raised: finn/custom_op/..., build_flows/...
    line: int
    source: str  # that line's text


def _frames(exc: BaseException) -> list:
    """(frame, line) from the innermost outwards."""
    frames, tb = [], exc.__traceback__
    while tb is not None:
        frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    return frames[::-1]


def _short_path(filename: str) -> str:
    """The path below the nearest root (site-packages or this project; a venv may sit inside it)."""
    path = Path(filename).resolve()
    roots = [PROJECT_ROOT, *(Path(p) for p in (*site.getsitepackages(), site.getusersitepackages(), *sys.path) if p)]
    relative = [str(path.relative_to(r.resolve())) for r in roots if path.is_relative_to(r.resolve())]
    return min(relative, key=len) if relative else str(path)


def _is_plumbing(filename: str) -> bool:
    path = Path(filename).resolve()
    installed = "site-packages" in path.parts or "dist-packages" in path.parts
    return (path.is_relative_to(STDLIB) and not installed) or _short_path(filename).split("/")[0] in PLUMBING


def _node_of(frame):
    """The node a frame works on: a custom op's own node, else a graph pass's loop variable."""
    owner = frame.f_locals.get("self")
    node = getattr(owner, "onnx_node", None)
    if _is_node(node):
        return node
    if _is_pass(owner):
        for value in frame.f_locals.values():
            if _is_node(value):
                return value
    return None


def locate(exc: BaseException) -> FaultSite:
    frames = _frames(exc)
    node = next((n for n in map(_node_of, (f for f, _ in frames)) if n is not None), None)
    transformation = next((type(f.f_locals["self"]).__name__ for f, _ in frames
                           if _is_pass(f.f_locals.get("self"))), None)
    own = [(f, line) for f, line in frames if not _is_plumbing(f.f_code.co_filename)]
    frame, line = (own or frames or [(None, 0)])[0]
    filename = frame.f_code.co_filename if frame is not None else "?"
    return FaultSite(node.name if node is not None else None, node.op_type if node is not None else None,
                     transformation, _short_path(filename) if frame is not None else "?", line,
                     linecache.getline(filename, line).strip())


def describe(exc: BaseException) -> tuple:
    """-> (where, cause): `at node 'X' (OpType) in SomePass` (empty when no frame knew), and
    `KeyError: 'k' in finn/...py:12 (the line)`."""
    found = locate(exc)
    where = f"at node '{found.node}' ({found.op_type})" if found.node else ""
    if found.transformation:
        where += f" in {found.transformation}"
    message = " ".join(str(exc).split())
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "..."
    what = type(exc).__name__ + (f": {message}" if message else "")
    line = f"{found.file}:{found.line}" + (f" ({found.source})" if found.source else "")
    return where.strip(), f"{what} in {line}"
