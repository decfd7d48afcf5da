"""Reading JSON someone else sent, with limits on size and nesting.

Python's ``json`` module parses arbitrarily deep input until the interpreter's recursion limit
and then raises ``RecursionError``; anything that walks the result recursively fails earlier. So
every JSON that comes from outside (request bodies, uploaded files, signed payloads) is read here:
the text is scanned for its nesting depth first (a linear pass in C via ``re``), and only then
parsed. Problems raise :class:`JSONInputError`, a ``ValueError`` with a message for people.
"""

from __future__ import annotations

import json
import re

MAX_DEPTH = 64
MAX_BYTES = 5 * 1024 * 1024
#: Strings (with their escapes) and every character that is not a bracket are dropped before
#: counting, so brackets inside strings do not count.
_NOT_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[^\[\]{}"]+', re.S)


class JSONInputError(ValueError):
    """The input is not JSON this platform reads; ``reason`` is ``size``, ``encoding``,
    ``depth`` or ``syntax``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def too_deep(text: str, max_depth: int) -> bool:
    """Whether arrays and objects in ``text`` nest more than ``max_depth`` levels deep."""
    level = 0
    for bracket in _NOT_BRACKETS.sub("", text):
        if bracket in "[{":
            level += 1
            if level > max_depth:
                return True
        else:
            level -= 1
    return False


def loads(data: str | bytes, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> object:
    """Parse ``data`` as JSON within the limits; raises :class:`JSONInputError`."""
    if len(data) > max_bytes:
        raise JSONInputError("size", f"The JSON is larger than {max_bytes // 1024} kB.")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise JSONInputError("encoding", "The JSON is not UTF-8 text.") from None
    if too_deep(data, max_depth):
        raise JSONInputError("depth", f"The JSON is nested more than {max_depth} levels deep.")
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise JSONInputError("syntax", "The text is not valid JSON.") from None
