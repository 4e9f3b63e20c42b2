"""The two error types a user sees: what is wrong, where, and what would be valid (BcnnError, the
user's input is at fault), or where bcnn itself failed (InternalError, a bug of ours).

They live in the first package (models) so every later stage can raise them."""


class BcnnError(Exception):
    """A user-facing error. The CLI prints `error: <message>` and exits 2, without a traceback
    unless --debug is given. Raise it with the file, node, layer or option at fault in the text,
    and what would be valid."""


class InternalError(Exception):
    """A failure of bcnn, not of the user's input: an exception inside a build step (FINN+, qonnx,
    our own passes), or Verilator or Yosys refusing RTL that bcnn generated. The message names where
    (file, step, node or layer, tool, the tool's log); the CLI prints it as one line, says it is a
    bug to report and exits 1, and shows the traceback (the original exception's, chained) with
    --debug."""
