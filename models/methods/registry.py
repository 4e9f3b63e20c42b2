"""Method names (`bcnn train --method NAME`) to their Method objects."""
from ..errors import BcnnError
from .base import Method
from .bireal import BiReal
from .dgrl import DGRL
from .fracbnn import FracBNN
from .irnet import IRNet
from .sofar import SoFAr

METHODS = {m.name: m for m in (Method, IRNet, BiReal, DGRL, SoFAr, FracBNN)}
METHOD_NAMES = tuple(METHODS)


class UnknownMethod(BcnnError):
    pass


def get_method(name: str) -> Method:
    """A fresh Method object (methods keep per-run state such as a teacher)."""
    if name not in METHODS:
        raise UnknownMethod(f"unknown method '{name}'; valid methods: {', '.join(METHOD_NAMES)}")
    return METHODS[name]()
