"""The branching-scenario engine: structure checks, stepping, back rules and scoring.

Plain dataclasses only. A scenario is a graph of scenes; a play is the list of steps a trainee
has taken through it. The rules (documented for authors in docs/authoring.md):

- A play starts at ``start``. Each step follows one choice of the current scene.
- The play ends when it reaches an ending scene.
- Stepping back undoes the last step. It is allowed only when the case allows it, the play has
  not ended and the current scene is not marked ``no_back`` (a point of no return).
- The score is the sum of the scores of the steps taken (an undone step no longer counts). The
  maximum is the best sum over paths from ``start`` to an ending that visit no scene twice. The
  scaled score is the score over the maximum, clamped to 0..1.
- A choice with a positive score shows its competencies. Competencies that are tagged on some
  reachable choice but were never shown are reported as missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from course.problems import Problem

#: Competency tags an author may put on a choice.
COMPETENCIES = ("communication", "roles", "tools", "trust", "citizen-focus")


class ScenarioError(ValueError):
    """A step the scenario does not allow (an unknown choice, going back where it may not)."""


@dataclass(frozen=True)
class Choice:
    """One way out of a scene."""

    target: str
    score: int = 0
    competencies: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Scene:
    """One scene of a case; ``line`` is where its heading is in the default locale's file."""

    id: str
    choices: tuple[Choice, ...] = ()
    ending: bool = False
    no_back: bool = False
    line: int = 0


@dataclass(frozen=True)
class Scenario:
    """A whole case as a graph; ``scenes`` keeps the author's order."""

    start: str
    scenes: Mapping[str, Scene]
    allow_back: bool = True


@dataclass(frozen=True)
class Step:
    """A choice taken: from ``scene``, the choice at ``choice`` (0-based), leading to ``target``."""

    scene: str
    choice: int
    target: str
    score: int = 0
    competencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What a play amounts to, for the debrief and for completion."""

    score: int
    max_score: int
    scaled: float
    ended: bool
    ending: str | None
    shown: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    path: tuple[str, ...] = field(default=())


def from_definition(definition: Mapping) -> Scenario:
    """Build a scenario from a parsed case definition (see ``course.cases.formats``)."""
    scenes = {}
    for scene in definition["scenes"]:
        choices = tuple(
            Choice(
                target=choice["target"],
                score=int(choice.get("score", 0)),
                competencies=tuple(choice.get("competencies", ())),
                line=int(choice.get("line", 0)),
            )
            for choice in scene.get("choices", ())
        )
        scenes[scene["id"]] = Scene(
            id=scene["id"],
            choices=choices,
            ending=bool(scene.get("ending")),
            no_back=bool(scene.get("no_back")),
            line=int(scene.get("line", 0)),
        )
    return Scenario(
        start=definition["start"], scenes=scenes, allow_back=definition.get("allow_back", True)
    )


def reachable(scenario: Scenario, start: str | None = None) -> set[str]:
    """Ids of the known scenes reachable from ``start`` (default: the scenario's start)."""
    first = scenario.start if start is None else start
    if first not in scenario.scenes:
        return set()
    seen = {first}
    pending = [first]
    while pending:
        for choice in scenario.scenes[pending.pop()].choices:
            if choice.target in scenario.scenes and choice.target not in seen:
                seen.add(choice.target)
                pending.append(choice.target)
    return seen


def can_finish(scenario: Scenario) -> set[str]:
    """Ids of the scenes from which some ending can be reached (endings included)."""
    finishing = {scene.id for scene in scenario.scenes.values() if scene.ending}
    changed = True
    while changed:
        changed = False
        for scene in scenario.scenes.values():
            if scene.id not in finishing and any(c.target in finishing for c in scene.choices):
                finishing.add(scene.id)
                changed = True
    return finishing


def structure_problems(scenario: Scenario, filename: str) -> list[Problem]:
    """Every structural fault of the scenario, as problems against ``filename``.

    Reports an unknown start scene, choices pointing at unknown scenes, endings with choices,
    dead ends that are not endings, unreachable scenes, and scenes from which no ending can be
    reached (a cycle with no way out, or a path that only leads to dead ends).
    """
    problems: list[Problem] = []
    scenes = scenario.scenes
    if scenario.start not in scenes:
        problems.append(Problem(filename, 0, f"start scene '{scenario.start}' does not exist"))
    dead_ends = set()
    for scene in scenes.values():
        for choice in scene.choices:
            if choice.target not in scenes:
                problems.append(
                    Problem(
                        filename, choice.line, f"choice points at unknown scene '{choice.target}'"
                    )
                )
        if scene.ending and scene.choices:
            problems.append(
                Problem(
                    filename, scene.choices[0].line, f"ending '{scene.id}' must not have choices"
                )
            )
        if not scene.ending and not scene.choices:
            dead_ends.add(scene.id)
            problems.append(
                Problem(
                    filename,
                    scene.line,
                    f"scene '{scene.id}' is a dead end: add choices or mark it .ending",
                )
            )
    if scenario.start not in scenes:
        return problems
    live = reachable(scenario)
    finishing = can_finish(scenario)
    if not any(scenes[s].ending for s in live):
        problems.append(
            Problem(
                filename, scenes[scenario.start].line, "no ending can be reached from the start"
            )
        )
    for scene in scenes.values():
        if scene.id not in live:
            problems.append(
                Problem(
                    filename,
                    scene.line,
                    f"scene '{scene.id}' cannot be reached from '{scenario.start}'",
                )
            )
        elif scene.id not in finishing and scene.id not in dead_ends:
            problems.append(
                Problem(
                    filename,
                    scene.line,
                    f"no ending can be reached from scene '{scene.id}' (a cycle with no way out)",
                )
            )
    return sorted(problems)


def max_score(scenario: Scenario) -> int:
    """The best sum of choice scores over paths from start to an ending visiting no scene twice.

    Cases are small (tens of scenes), so an exhaustive walk over simple paths is affordable; it
    is the only exact answer when scores can be negative and the graph has cycles.
    Returns 0 when no ending can be reached.
    """
    scenes = scenario.scenes
    finishing = can_finish(scenario)
    best: int | None = None

    def walk(scene_id: str, total: int, on_path: set[str]) -> None:
        nonlocal best
        scene = scenes[scene_id]
        if scene.ending:
            best = total if best is None else max(best, total)
            return
        for choice in scene.choices:
            if choice.target in finishing and choice.target not in on_path:
                on_path.add(choice.target)
                walk(choice.target, total + choice.score, on_path)
                on_path.discard(choice.target)

    if scenario.start in finishing:
        walk(scenario.start, 0, {scenario.start})
    return best or 0


def current_scene(scenario: Scenario, steps: Sequence[Step]) -> Scene:
    """The scene the trainee is looking at after ``steps``."""
    return scenario.scenes[steps[-1].target if steps else scenario.start]


def choose(scenario: Scenario, steps: Sequence[Step], index: int) -> list[Step]:
    """Take the choice at ``index`` of the current scene; returns the new list of steps."""
    scene = current_scene(scenario, steps)
    if scene.ending:
        raise ScenarioError("the case has ended")
    if not 0 <= index < len(scene.choices):
        raise ScenarioError(f"scene '{scene.id}' has no choice {index}")
    choice = scene.choices[index]
    step = Step(scene.id, index, choice.target, choice.score, choice.competencies)
    return [*steps, step]


def can_go_back(scenario: Scenario, steps: Sequence[Step]) -> bool:
    """Whether the trainee may undo the last step now."""
    if not scenario.allow_back or not steps:
        return False
    scene = current_scene(scenario, steps)
    return not scene.ending and not scene.no_back


def go_back(scenario: Scenario, steps: Sequence[Step]) -> list[Step]:
    """Undo the last step; raises ScenarioError where the case does not allow it."""
    if not can_go_back(scenario, steps):
        raise ScenarioError("going back is not allowed here")
    return list(steps[:-1])


def at_stake(scenario: Scenario) -> set[str]:
    """Competencies tagged on some choice reachable from the start."""
    live = reachable(scenario)
    return {
        tag
        for scene_id in live
        for choice in scenario.scenes[scene_id].choices
        for tag in choice.competencies
    }


def outcome(scenario: Scenario, steps: Sequence[Step], best: int | None = None) -> Outcome:
    """Score, scaled score, ending, and competencies shown or missed after ``steps``.

    ``best`` may pass a precomputed ``max_score`` to avoid walking the graph again.
    """
    top = max_score(scenario) if best is None else best
    score = sum(step.score for step in steps)
    scaled = min(1.0, max(0.0, score / top)) if top > 0 else (1.0 if score >= 0 else 0.0)
    scene = current_scene(scenario, steps)
    shown = ordered_competencies(
        {tag for step in steps if step.score > 0 for tag in step.competencies}
    )
    missed = ordered_competencies(at_stake(scenario) - set(shown))
    path = (scenario.start, *(step.target for step in steps))
    return Outcome(
        score=score,
        max_score=top,
        scaled=scaled,
        ended=scene.ending,
        ending=scene.id if scene.ending else None,
        shown=shown,
        missed=missed,
        path=path,
    )


def ordered_competencies(tags: Iterable[str]) -> tuple[str, ...]:
    """Competency tags in the documented order, unknown tags last and sorted."""
    tags = set(tags)
    known = [tag for tag in COMPETENCIES if tag in tags]
    return (*known, *sorted(tags - set(COMPETENCIES)))
