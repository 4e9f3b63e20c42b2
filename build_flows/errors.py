"""The one error type a user sees: what is wrong, where, and what would be valid."""


class BcnnError(Exception):
    """A user-facing error. The CLI prints `error: <message>` and exits 2, without a traceback
    unless --debug is given. Raise it with the file, node, layer or option at fault in the text,
    and what would be valid."""
