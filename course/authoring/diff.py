"""What changed between two sets of package files, as unified diffs per file.

Files are keyed by ``(area, path)`` (``area`` is ``content`` or ``quizzes``), exactly as a course
version or a draft stores them. Text files get a unified diff; files that are not UTF-8 text
(images) are reported as changed without one.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

FileKey = tuple[str, str]
CONTEXT_LINES = 3


@dataclass(frozen=True)
class DiffLine:
    """One line of a unified diff; ``kind`` is ``header``, ``hunk``, ``add``, ``remove`` or
    ``context``."""

    kind: str
    text: str


@dataclass
class FileDiff:
    """One file that differs: ``status`` is ``added``, ``removed`` or ``changed``."""

    area: str
    path: str
    status: str
    binary: bool = False
    lines: list[DiffLine] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(1 for line in self.lines if line.kind == "add")

    @property
    def removed(self) -> int:
        return sum(1 for line in self.lines if line.kind == "remove")

    def unified(self) -> str:
        """The diff as plain unified-diff text (headers included)."""
        return "".join(f"{line.text}\n" for line in self.lines)


def _text(data: bytes | None) -> list[str] | None:
    if data is None:
        return []
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return None


def _kind(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "header"
    if line.startswith("@@"):
        return "hunk"
    if line.startswith("+"):
        return "add"
    if line.startswith("-"):
        return "remove"
    return "context"


def diff_files(
    old: Mapping[FileKey, bytes],
    new: Mapping[FileKey, bytes],
    old_label: str = "a",
    new_label: str = "b",
) -> list[FileDiff]:
    """Every file added, removed or changed from ``old`` to ``new``, sorted by area and path."""
    diffs = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        area, path = key
        status = "added" if before is None else "removed" if after is None else "changed"
        before_lines, after_lines = _text(before), _text(after)
        if before_lines is None or after_lines is None:
            diffs.append(FileDiff(area, path, status, binary=True))
            continue
        lines = difflib.unified_diff(
            before_lines,
            after_lines,
            fromfile=f"{old_label}/{area}/{path}",
            tofile=f"{new_label}/{area}/{path}",
            n=CONTEXT_LINES,
            lineterm="",
        )
        diffs.append(FileDiff(area, path, status, lines=[DiffLine(_kind(t), t) for t in lines]))
    return diffs
