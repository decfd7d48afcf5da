"""A problem found in an author's file, reported as ``file:line: message``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one line of one file; ``line`` is 1-based (0 when unknown)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it (the reader translates later)."""
    return message


@dataclass(frozen=True, order=True)
class Finding:
    """An assessment-quality finding: not an error, a warning an author should answer.

    ``template`` is an English message marked with :func:`N_`; ``params`` fill its
    ``%(name)s`` fields, so a page can show the message in the reader's language. ``subject`` is
    what a waiver names (a question, objective, case or quiz id). A waived finding keeps the
    waiver's ``reason`` and prints as a note.
    """

    file: str
    line: int
    rule: str
    template: str
    params: tuple[tuple[str, object], ...] = ()
    subject: str = ""
    waived: bool = False
    reason: str = ""

    def message(self, translate: Callable[..., str] | None = None) -> str:
        """The message, translated by ``translate(template)`` when given."""
        template = translate(self.template) if translate else self.template
        return template % dict(self.params)

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.rule}: {self.message()}"
        return f"{text} (waived: {self.reason})" if self.waived else text
