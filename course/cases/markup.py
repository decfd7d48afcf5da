"""Reading one case file (one locale) into plain parts, keeping line numbers.

This module only splits the file: YAML front matter, scenes (``## Title {#id .ending}``),
narrative Markdown, choices (``- [label](#target) {score=N competencies=a,b}``) and the
``::: debrief`` container. It checks what can be seen in one file; ``course.cases.formats``
compares locales and builds the case definition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from course.problems import Problem
from course.yamlsource import load_yaml

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SCENE_HEADING = re.compile(r"^##\s+(.*?)\s*$")
_TITLE_HEADING = re.compile(r"^#\s")
_ATTRIBUTES = re.compile(r"^(.*?)\s*\{([^{}]*)\}\s*$")
_CONTAINER_OPEN = re.compile(r"^:::\s*([A-Za-z][\w-]*)\s*$")
_CONTAINER_CLOSE = re.compile(r"^:::\s*$")
_CHOICE = re.compile(
    r"^[-*+]\s+\[(?P<label>[^\]]*)\]\(#(?P<target>[^)\s]*)\)\s*(?:\{(?P<attrs>[^{}]*)\})?\s*$"
)
_CHOICE_LIKE = re.compile(r"^[-*+]\s+\[[^\]]*\]\(#")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass
class ChoiceText:
    """A choice as written: its label, target and (optional) attributes."""

    label: str
    target: str
    line: int
    score: int | None = None
    competencies: tuple[str, ...] | None = None


@dataclass
class SceneText:
    """A scene as written in one locale."""

    id: str
    title: str
    line: int
    ending: bool = False
    no_back: bool = False
    #: An ending's place in the author's order of outcomes (1 = the best); None when unranked.
    rank: int | None = None
    narrative: list[str] = field(default_factory=list)
    debrief: list[str] | None = None
    choices: list[ChoiceText] = field(default_factory=list)


@dataclass
class CaseFile:
    """One locale's file: front matter (with the line of each key) and scenes in order."""

    filename: str
    meta: dict
    meta_lines: dict[str, int]
    item_lines: dict[str, list[int]]
    scenes: list[SceneText]
    body_line: int


def read_case_file(filename: str, text: str) -> tuple[CaseFile, list[Problem]]:
    """Split one case file into its parts; report what is wrong as ``file:line`` problems."""
    problems: list[Problem] = []
    lines = text.splitlines()
    meta, meta_lines, item_lines, body_start = _front_matter(filename, lines, problems)
    scenes = _scenes(filename, lines, body_start, problems)
    case_file = CaseFile(filename, meta, meta_lines, item_lines, scenes, body_start + 1)
    return case_file, problems


def _front_matter(
    filename: str, lines: list[str], problems: list[Problem]
) -> tuple[dict, dict[str, int], dict[str, list[int]], int]:
    """Parse the YAML between the leading ``---`` lines; returns data, key lines and body start."""
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(filename, 1, "a case file must start with '---' front matter"))
        return {}, {}, {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        problems.append(Problem(filename, 1, "front matter is not closed by '---'"))
        return {}, {}, {}, len(lines)
    document, found = load_yaml("\n".join(lines[1:end]), filename, first_line=2)
    problems += found
    if document is None or document.data is None:
        return {}, {}, {}, end + 1
    data = document.data
    if not isinstance(data, dict):
        problems.append(Problem(filename, 2, "front matter must be a mapping of keys"))
        return {}, {}, {}, end + 1
    meta_lines = {key: document.line(key) for key in data}
    item_lines = {
        key: [document.line(key, index) for index in range(len(value))]
        for key, value in data.items()
        if isinstance(value, list)
    }
    return data, meta_lines, item_lines, end + 1


def _scenes(
    filename: str, lines: list[str], start: int, problems: list[Problem]
) -> list[SceneText]:
    """Walk the body line by line, outside code fences, collecting scenes."""
    scenes: list[SceneText] = []
    scene: SceneText | None = None
    fence: str | None = None
    containers: list[tuple[str, int]] = []
    for index in range(start, len(lines)):
        line, number = lines[index], index + 1
        in_debrief = any(name == "debrief" for name, _ in containers)
        target = None
        if scene is not None:
            target = scene.debrief if in_debrief else scene.narrative
        if fence is not None:
            if line.strip().startswith(fence):
                fence = None
            _append(target, line)
            continue
        if opened := _FENCE.match(line):
            fence = opened.group(1)
            _append(target, line)
            continue
        heading = _SCENE_HEADING.match(line)
        if heading and not containers:
            scene = _scene_heading(filename, number, heading.group(1), problems)
            scenes.append(scene)
            continue
        if _TITLE_HEADING.match(line) and not containers:
            problems.append(Problem(filename, number, "use '## Title {#id}' headings for scenes"))
            continue
        if opened := _CONTAINER_OPEN.match(line):
            if opened.group(1) == "debrief":
                if scene is None or containers:
                    problems.append(
                        Problem(filename, number, "'::: debrief' belongs at the top of a scene")
                    )
                else:
                    if scene.debrief is not None:
                        problems.append(Problem(filename, number, "a scene has one debrief"))
                    scene.debrief = []
            else:
                _append(target, line)
            containers.append((opened.group(1), number))
            continue
        if _CONTAINER_CLOSE.match(line):
            if not containers:
                problems.append(Problem(filename, number, "':::' closes no container"))
            elif containers.pop()[0] != "debrief":
                _append(target, line)
            continue
        if scene is None:
            if line.strip():
                problems.append(
                    Problem(
                        filename, number, "text before the first scene heading ('## Title {#id}')"
                    )
                )
            continue
        if not containers and _CHOICE_LIKE.match(line):
            _choice(filename, number, line, scene, problems)
            continue
        if scene.choices and line.strip() and not containers:
            problems.append(
                Problem(filename, number, "text after a scene's choices; choices end the scene")
            )
            continue
        _append(target, line)
    for name, number in containers:
        problems.append(Problem(filename, number, f"'::: {name}' is not closed by ':::'"))
    return scenes


def _append(target: list[str] | None, line: str) -> None:
    if target is not None:
        target.append(line)


def _scene_heading(filename: str, number: int, text: str, problems: list[Problem]) -> SceneText:
    """Read ``Title {#id .ending .no-back rank=N}``."""
    title, attributes = text, ""
    if matched := _ATTRIBUTES.match(text):
        title, attributes = matched.group(1), matched.group(2)
    scene = SceneText(id="", title=title.strip(), line=number)
    for token in attributes.split():
        if token.startswith("#"):
            scene.id = token[1:]
        elif token == ".ending":
            scene.ending = True
        elif token == ".no-back":
            scene.no_back = True
        elif token.startswith("rank="):
            value = token.removeprefix("rank=")
            if value.isdigit() and int(value) >= 1:
                scene.rank = int(value)
            else:
                problems.append(
                    Problem(filename, number, f"rank '{value}' is not a whole number >= 1")
                )
        else:
            problems.append(Problem(filename, number, f"unknown scene attribute '{token}'"))
    if not scene.id:
        problems.append(Problem(filename, number, "scene heading needs an id: '{#scene-id}'"))
    elif not _SLUG.match(scene.id):
        problems.append(Problem(filename, number, f"scene id '{scene.id}' is not a slug"))
    if not scene.title:
        problems.append(Problem(filename, number, "scene heading has no title"))
    return scene


def _choice(
    filename: str, number: int, line: str, scene: SceneText, problems: list[Problem]
) -> None:
    """Read ``- [label](#target) {score=N competencies=a,b}`` into the scene's choices."""
    matched = _CHOICE.match(line)
    if matched is None:
        problems.append(
            Problem(
                filename,
                number,
                "a choice is a list item holding one link to '#scene-id', then '{score=N ...}'",
            )
        )
        return
    choice = ChoiceText(label=matched["label"].strip(), target=matched["target"], line=number)
    if not choice.label:
        problems.append(Problem(filename, number, "choice has no text"))
    if not choice.target:
        problems.append(Problem(filename, number, "choice has no target scene"))
    for token in (matched["attrs"] or "").split():
        key, _, value = token.partition("=")
        if key == "score":
            try:
                choice.score = int(value)
            except ValueError:
                problems.append(Problem(filename, number, f"score '{value}' is not a whole number"))
        elif key == "competencies":
            choice.competencies = tuple(tag for tag in value.split(",") if tag)
        else:
            problems.append(Problem(filename, number, f"unknown choice attribute '{token}'"))
    scene.choices.append(choice)
