"""The one error type a user sees: what is wrong, where, and what would be valid.

It lives in the first package (models) so every later stage can raise it."""


class BcnnError(Exception):
    """A user-facing error. The CLI prints `error: <message>` and exits 2, without a traceback
    unless --debug is given. Raise it with the file, node, layer or option at fault in the text,
    and what would be valid."""
