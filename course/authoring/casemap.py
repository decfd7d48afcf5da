"""A map of a case study's scenes and choices, drawn from the text an author is editing.

The map is built from the case file as written (``course.cases.markup``), not from the checked
definition, so an author sees the shape of a case even while it still has problems: where each
choice leads, which scenes cannot be reached, which choices point nowhere, and how many steps
each scene is from the start.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from course.cases.markup import read_case_file


@dataclass(frozen=True)
class MapChoice:
    """One choice: its label, the scene it leads to (and that scene's title, if it exists)."""

    label: str
    target: str
    target_title: str | None
    score: int | None
    competencies: tuple[str, ...]
    line: int

    @property
    def broken(self) -> bool:
        return self.target_title is None


@dataclass(frozen=True)
class MapScene:
    """One scene with its choices; ``depth`` is the fewest steps from the start (None when the
    scene cannot be reached)."""

    id: str
    title: str
    line: int
    ending: bool
    no_back: bool
    depth: int | None
    choices: list[MapChoice]

    @property
    def dead_end(self) -> bool:
        return not self.ending and not self.choices


@dataclass
class CaseMap:
    """The scenes in the order written, and the start scene."""

    start: str | None
    scenes: list[MapScene] = field(default_factory=list)

    @property
    def unreachable(self) -> list[str]:
        return [scene.id for scene in self.scenes if scene.depth is None]

    @property
    def endings(self) -> list[str]:
        return [scene.id for scene in self.scenes if scene.ending]


def case_map(filename: str, text: str) -> CaseMap:
    """Map the case in ``text`` (one locale's file)."""
    case_file, _problems = read_case_file(filename, text)
    written = case_file.scenes
    titles = {scene.id: scene.title for scene in written}
    start = case_file.meta.get("start") if isinstance(case_file.meta, dict) else None
    if not isinstance(start, str) or start not in titles:
        start = written[0].id if written else None
    depths = _depths(start, {scene.id: [c.target for c in scene.choices] for scene in written})
    return CaseMap(
        start=start,
        scenes=[
            MapScene(
                id=scene.id,
                title=scene.title,
                line=scene.line,
                ending=scene.ending,
                no_back=scene.no_back,
                depth=depths.get(scene.id),
                choices=[
                    MapChoice(
                        label=choice.label,
                        target=choice.target,
                        target_title=titles.get(choice.target),
                        score=choice.score,
                        competencies=tuple(choice.competencies or ()),
                        line=choice.line,
                    )
                    for choice in scene.choices
                ],
            )
            for scene in written
        ],
    )


def _depths(start: str | None, edges: dict[str, list[str]]) -> dict[str, int]:
    if start is None:
        return {}
    depths = {start: 0}
    queue = deque([start])
    while queue:
        scene = queue.popleft()
        for target in edges.get(scene, []):
            if target in edges and target not in depths:
                depths[target] = depths[scene] + 1
                queue.append(target)
    return depths
