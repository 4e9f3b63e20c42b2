"""Method names (`bcnn train --method NAME`) to their training hooks. Every method's model is a
recipe (models/recipes.py) of the same name; Bi-Real and SoFAr train with the STE's hooks."""
from ..recipes import get_recipe
from .base import Method
from .dgrl import DGRL
from .fracbnn import FracBNN
from .irnet import IRNet

HOOKS = {"ste": Method, "irnet": IRNet, "bireal": Method, "dgrl": DGRL, "sofar": Method, "fracbnn": FracBNN}


def get_method(name: str) -> Method:
    """Fresh hooks (methods keep per-run state such as a teacher); unknown names are refused with
    the valid ones."""
    get_recipe(name)
    return HOOKS[name]()
