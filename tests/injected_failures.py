"""Failures injected into the real flow by tests/test_internal_errors.py, in a module of their own
so that pytest leaves their asserts alone (it rewrites asserts in test files only), as a user's
installation would see them."""


def broken_minimize_weight_bit_width(self, model, datatype_only=False):
    # fails for every layer, as FINN+'s threshold assert once did for one (Thresholding_rtl)
    assert self.get_nodeattr("MW") < 0


def not_a_node(node):
    raise KeyError("backend")


def broken_execute_node(self, context, graph):
    raise ValueError("operands could not be broadcast together")


def broken_load_estimates(build_dir):
    return {}["layers"]
