"""What the editor pages show: a draft's files grouped for the author, the problems of one file
with the lines they point at, and a preview rendered by the lessons' own renderer."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field

from course.authoring.casemap import CaseMap, case_map
from course.authoring.files import file_kind, is_text
from course.catalog.lessons import split_front_matter
from course.catalog.markdown import render_markdown
from course.problems import Finding, Problem

#: The order groups appear in on the draft page.
GROUPS = ("course", "module", "lesson", "case", "quiz", "asset", "other")


@dataclass(frozen=True)
class FileProblem:
    """A problem of the file being edited: its line, message and that line's text."""

    line: int
    message: str
    excerpt: str


@dataclass
class FileGroup:
    """Files of one kind, for the draft page's lists."""

    kind: str
    files: list = field(default_factory=list)


def group_files(files: list) -> list[FileGroup]:
    """Draft files grouped by kind (course settings, modules, lessons, cases, quizzes, assets)."""
    groups = {kind: FileGroup(kind) for kind in GROUPS}
    for row in files:
        groups[file_kind(row.area, row.path).kind].files.append(row)
    return [group for group in groups.values() if group.files]


def split_problems(problems: list[Problem], slug: str) -> dict[tuple[str, str], list[Problem]]:
    """Problems keyed by the draft file ``(area, path)`` they name; others under ``("", "")``."""
    prefixes = {f"content/{slug}/": "content", f"quizzes/{slug}/": "quizzes"}
    keyed: dict[tuple[str, str], list[Problem]] = {}
    for problem in problems:
        key = ("", "")
        for prefix, area in prefixes.items():
            if problem.file.startswith(prefix):
                key = (area, problem.file[len(prefix) :])
        keyed.setdefault(key, []).append(problem)
    return keyed


def file_problems(problems: list[Problem], text: str) -> list[FileProblem]:
    """One file's problems in line order, each with the text of its line."""
    lines = text.split("\n")
    return [
        FileProblem(
            problem.line,
            problem.message,
            lines[problem.line - 1].strip()[:160] if 0 < problem.line <= len(lines) else "",
        )
        for problem in sorted(problems, key=lambda p: (p.line, p.message))
    ]


@dataclass(frozen=True)
class Warning:
    """An assessment-quality finding as a page shows it: translated, with the line's text."""

    file: str
    line: int
    rule: str
    message: str
    excerpt: str
    waived: bool
    reason: str


def warnings(
    findings: list[Finding], translate: Callable[[str], str], texts: dict[str, str] | None = None
) -> list[Warning]:
    """Findings in file and line order, messages translated; ``texts`` (file name -> text)
    supplies the text of the line each one points at, where known."""
    shown = []
    for finding in sorted(findings, key=lambda f: (f.waived, f.file, f.line, f.rule)):
        lines = (texts or {}).get(finding.file, "").split("\n")
        excerpt = lines[finding.line - 1].strip()[:160] if 0 < finding.line <= len(lines) else ""
        shown.append(
            Warning(
                finding.file,
                finding.line,
                finding.rule,
                finding.message(translate),
                excerpt,
                finding.waived,
                finding.reason,
            )
        )
    return shown


def preview_html(path: str, text: str, asset_url: Callable[[str], str]) -> str:
    """Sanitised HTML of a lesson or case text, as trainees would see it (front matter left out).

    Images under the course's ``assets/`` are pointed at ``asset_url(name)`` (the draft's copy).
    """
    split = split_front_matter(text)
    body = "\n".join(text.split("\n")[split[2] - 1 :]) if split else text
    folder = posixpath.dirname(path)

    def resolve(kind: str, target: str) -> str | None:
        if kind != "image":
            return None
        resolved = posixpath.normpath(posixpath.join(folder, target.split("#")[0]))
        if resolved.startswith("assets/"):
            return asset_url(resolved[len("assets/") :])
        return None

    return render_markdown(body, resolve)


def map_for(area: str, path: str, text: str) -> CaseMap | None:
    """The scene map of a case file; None for any other file."""
    if file_kind(area, path).kind != "case":
        return None
    return case_map(path, text)


def editable(path: str) -> bool:
    """Whether the file opens in the text editor."""
    return is_text(path)
