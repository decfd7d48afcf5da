"""One lesson file: YAML front matter checked against its schema, then the body rendered."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from course.catalog.markdown import estimate_minutes, render_lesson
from course.catalog.package import LessonText
from course.catalog.schema import check_schema
from course.problems import Problem
from course.yamlsource import load_yaml

LESSON_FILE = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)\.([A-Za-z]{2}(?:-[A-Za-z]{2})?)\.md$")
_FENCE = re.compile(r"^(---|\.\.\.)\s*$")

#: ``resolve(kind, target)`` returns the published URL or raises LookupError with a message.
TargetResolver = Callable[[str, str], str | None]


@dataclass
class ParsedLesson:
    """A lesson file's objectives and its rendered text."""

    objectives: list[str]
    body: LessonText


def split_front_matter(text: str) -> tuple[str, int, int] | None:
    """The front matter's YAML, its first line and the body's first line; None when absent."""
    lines = text.split("\n")
    if not lines or not _FENCE.match(lines[0]) or lines[0].startswith("..."):
        return None
    for index in range(1, len(lines)):
        if _FENCE.match(lines[index]):
            return "\n".join(lines[1:index]), 2, index + 2
    return None


def parse_lesson(
    text: str, name: str, resolve: TargetResolver, objective_ids: set[str]
) -> tuple[ParsedLesson | None, list[Problem]]:
    """Check and render one lesson file; ``name`` is the file name used in problem reports."""
    split = split_front_matter(text)
    if split is None:
        return None, [Problem(name, 1, "a lesson starts with YAML front matter between --- lines")]
    front, front_line, body_line = split
    doc, problems = load_yaml(front, name, first_line=front_line)
    if doc is None:
        return None, problems
    if not isinstance(doc.data, dict):
        return None, [*problems, Problem(name, front_line, "front matter must be a mapping")]
    problems += check_schema(doc, "lesson")
    for index, objective in enumerate(doc.data.get("objectives") or []):
        if isinstance(objective, str) and objective not in objective_ids:
            problems.append(doc.problem(f"unknown objective id '{objective}'", "objectives", index))
    body = "\n".join(text.split("\n")[body_line - 1 :])
    if not body.strip():
        problems.append(Problem(name, body_line, "the lesson is empty"))

    failures: dict[tuple[str, str], str] = {}

    def checked(kind: str, target: str) -> str | None:
        try:
            return resolve(kind, target)
        except LookupError as error:
            failures[(kind, target)] = str(error.args[0])
            return None

    rendered = render_lesson(text, checked)
    for reference in rendered.references:
        message = failures.get((reference.kind, reference.target))
        if message:
            problems.append(Problem(name, reference.line, message))
    if problems:
        return None, problems
    minutes = doc.data.get("minutes") or estimate_minutes(rendered.text)
    return ParsedLesson(
        objectives=list(doc.data["objectives"]),
        body=LessonText(
            title=doc.data["title"],
            minutes=minutes,
            html=rendered.html,
            toc=rendered.toc,
            text=rendered.text,
        ),
    ), []
