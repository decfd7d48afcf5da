"""Playing case studies: starting, choosing, stepping back, ending, reflecting, outcomes.

Every function takes the session and the clock, flushes and never commits. A double-submitted
form is harmless: a choice or a step back names the scene it was made on, and is ignored when
the play has already moved on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from course.cases import scenario as engine
from course.cases.models import CaseChoice, CasePlay, Reflection
from course.catalog import service as catalog
from course.catalog.models import Course, CourseVersion
from course.progress import service as progress
from course.progress import xapi
from course.progress.activities import choice_id

if TYPE_CHECKING:
    from course.accounts.models import User


MAX_REFLECTION_CHARS = 10_000


class CaseNotFound(LookupError):
    """The course has no case with that slug (in the version concerned)."""


class ReflectionError(ValueError):
    """Reflections that cannot be accepted; ``missing`` names the prompts left empty."""

    def __init__(self, message: str, missing: list[str] | None = None):
        super().__init__(message)
        self.missing = missing or []


@dataclass(frozen=True)
class CaseOutcome:
    """A trainee's standing on one case: an ending reached, reflections reviewed, best score."""

    completed: bool
    reviewed: bool
    best_score: float


@dataclass(frozen=True)
class PlayState:
    """Everything a play page needs: the definition played, the scene shown, and the outcome."""

    play: CasePlay
    definition: dict
    scene: dict
    can_go_back: bool
    outcome: engine.Outcome
    #: The scenes of the path taken, start first (for the debrief).
    path: list[dict]


def case_definition(session: Session, course: Course, case_slug: str) -> tuple[CourseVersion, dict]:
    """The current version of the course and its definition of the case; raises CaseNotFound."""
    version = catalog.current_version(session, course)
    definition = catalog.get_case_definition(session, version, case_slug)
    if definition is None:
        raise CaseNotFound(case_slug)
    return version, definition


def played_definition(session: Session, play: CasePlay) -> dict:
    """The definition of the case in the version the play was started on."""
    version = session.get(CourseVersion, play.version_id)
    definition = catalog.get_case_definition(session, version, play.case_slug)
    if definition is None:
        raise CaseNotFound(play.case_slug)
    return definition


def played_definitions(session: Session, plays: list[CasePlay]) -> dict[tuple[int, str], dict]:
    """Definitions for many plays at once: ``{(version_id, case_slug): definition}``, loading
    each version's cases in one query (for lists, so their query count stays constant)."""
    version_ids = {play.version_id for play in plays}
    if not version_ids:
        return {}
    versions = session.scalars(
        select(CourseVersion)
        .where(CourseVersion.id.in_(version_ids))
        .options(undefer(CourseVersion.cases))
    ).all()
    found = {}
    for version in versions:
        for case_slug, definition in (version.cases or {}).items():
            found[(version.id, case_slug)] = definition
    return found


def start_play(
    session: Session, actor: User, course: Course, case_slug: str, now: datetime
) -> CasePlay:
    """Begin a new play of the case's current version at its start scene.

    Records an ``attempted`` statement for the case. Earlier plays are kept (every play counts).
    """
    version, definition = case_definition(session, course, case_slug)
    play = CasePlay(
        user_id=actor.id,
        course_id=course.id,
        case_slug=case_slug,
        version_id=version.id,
        path=[],
        current_scene=definition["start"],
        score=0,
        max_score=definition["max_score"],
        registration=str(uuid.uuid4()),
        started_at=now,
    )
    session.add(play)
    session.flush()
    progress.record(
        session,
        actor,
        "attempted",
        progress.object_iri(course.slug, "case", case_slug),
        now,
        context={"registration": play.registration},
        course=course,
    )
    return play


def choose(
    session: Session, actor: User, play: CasePlay, scene_id: str, index: int, now: datetime
) -> CasePlay:
    """Take choice ``index`` on scene ``scene_id``; ends the play when it reaches an ending.

    Ignored when the play has ended or is no longer on ``scene_id`` (a repeated submission).
    Raises ``scenario.ScenarioError`` for a choice the scene does not have.
    """
    if play.ended or play.current_scene != scene_id:
        return play
    definition = played_definition(session, play)
    graph = engine.from_definition(definition)
    steps = engine.choose(graph, _steps(play), index)
    step = steps[-1]
    _save_steps(play, steps, graph.start)
    session.add(
        CaseChoice(
            play=play,
            course_id=play.course_id,
            case_slug=play.case_slug,
            scene=step.scene,
            choice=step.choice,
            target=step.target,
            made_at=now,
        )
    )
    course = session.get(Course, play.course_id)
    scene = next(s for s in definition["scenes"] if s["id"] == step.scene)
    progress.record(
        session,
        actor,
        "answered",
        progress.object_iri(course.slug, "scene", f"{play.case_slug}#{step.scene}"),
        now,
        result=xapi.score_result(raw=step.score, response=choice_id(scene, step.choice)),
        context={"registration": play.registration},
        course=course,
        case=definition,
    )
    if graph.scenes[step.target].ending:
        _finish(session, actor, play, graph, course, now)
    session.flush()
    return play


def go_back(
    session: Session, actor: User, play: CasePlay, scene_id: str, now: datetime
) -> CasePlay:
    """Undo the last choice, where the case allows it; ignored if the play has moved on.

    Raises ``scenario.ScenarioError`` when stepping back is not allowed here.
    """
    if play.ended or play.current_scene != scene_id:
        return play
    graph = engine.from_definition(played_definition(session, play))
    steps = engine.go_back(graph, _steps(play))
    last = session.scalar(
        select(CaseChoice)
        .where(CaseChoice.play_id == play.id, CaseChoice.undone.is_(False))
        .order_by(CaseChoice.id.desc())
        .limit(1)
    )
    if last is not None:
        last.undone = True
        course = session.get(Course, play.course_id)
        answered = progress.choice_record(
            session,
            actor.id,
            progress.object_iri(course.slug, "scene", f"{play.case_slug}#{last.scene}"),
            play.registration,
        )
        if answered is not None:
            progress.void(session, actor, answered, now, course=course)
    _save_steps(play, steps, graph.start)
    session.flush()
    return play


def play_state(session: Session, play: CasePlay) -> PlayState:
    """The scene to show, whether going back is allowed, and the outcome so far."""
    definition = played_definition(session, play)
    graph = engine.from_definition(definition)
    steps = _steps(play)
    scenes = {scene["id"]: scene for scene in definition["scenes"]}
    result = engine.outcome(graph, steps, best=definition["max_score"])
    return PlayState(
        play=play,
        definition=definition,
        scene=scenes[play.current_scene],
        can_go_back=engine.can_go_back(graph, steps),
        outcome=result,
        path=[scenes[scene_id] for scene_id in result.path],
    )


def plays_of(session: Session, user_id: int, course_id: int, case_slug: str) -> list[CasePlay]:
    """A trainee's plays of one case, newest first, with their reflections."""
    return list(
        session.scalars(
            select(CasePlay)
            .where(
                CasePlay.user_id == user_id,
                CasePlay.course_id == course_id,
                CasePlay.case_slug == case_slug,
            )
            .options(selectinload(CasePlay.reflections))
            .order_by(CasePlay.started_at.desc(), CasePlay.id.desc())
        )
    )


def submit_reflections(
    session: Session, actor: User, play: CasePlay, answers: dict[str, str], now: datetime
) -> list[Reflection]:
    """Store the answers to the case's reflection prompts for an ended play.

    Every prompt needs a non-empty answer (ReflectionError lists the missing ones). Answers are
    given once per play: when they already exist, the stored ones are returned unchanged.
    """
    if not play.ended:
        raise ReflectionError("the play has not reached an ending")
    if play.reflections:
        return list(play.reflections)
    prompts = [item["id"] for item in played_definition(session, play)["reflection"]]
    cleaned = {pid: (answers.get(pid) or "").strip() for pid in prompts}
    missing = [pid for pid, text in cleaned.items() if not text]
    if missing:
        raise ReflectionError("every reflection prompt needs an answer", missing)
    if any(len(text) > MAX_REFLECTION_CHARS for text in cleaned.values()):
        raise ReflectionError(f"an answer may be at most {MAX_REFLECTION_CHARS} characters")
    course = session.get(Course, play.course_id)
    definition = played_definition(session, play)
    for pid in prompts:
        play.reflections.append(Reflection(prompt_id=pid, text=cleaned[pid], submitted_at=now))
        progress.record(
            session,
            actor,
            "answered",
            progress.object_iri(course.slug, "case", play.case_slug) + f"#reflection-{pid}",
            now,
            result=xapi.score_result(response=cleaned[pid]),
            context={"registration": play.registration},
            course=course,
            case=definition,
        )
    session.flush()
    return list(play.reflections)


def case_outcomes(session: Session, user_id: int, course_id: int) -> dict[str, CaseOutcome]:
    """Per case slug: whether an ending was reached, whether a finished play's reflections are
    all reviewed (a case without prompts counts as reviewed once completed), and the best scaled
    score over finished plays."""
    plays = session.scalars(
        select(CasePlay)
        .where(CasePlay.user_id == user_id, CasePlay.course_id == course_id)
        .where(CasePlay.ended_at.is_not(None))
        .options(selectinload(CasePlay.reflections))
    ).all()
    definitions = played_definitions(session, plays)
    outcomes: dict[str, CaseOutcome] = {}
    for play in plays:
        definition = definitions.get((play.version_id, play.case_slug), {})
        needed = len(definition.get("reflection", ()))
        reviewed = len(play.reflections) >= needed and all(r.reviewed for r in play.reflections)
        before = outcomes.get(play.case_slug, CaseOutcome(False, False, 0.0))
        outcomes[play.case_slug] = CaseOutcome(
            completed=True,
            reviewed=before.reviewed or reviewed,
            best_score=max(before.best_score, play.scaled_score or 0.0),
        )
    return outcomes


def _steps(play: CasePlay) -> list[engine.Step]:
    return [
        engine.Step(s["scene"], s["choice"], s["target"], s["score"], tuple(s["competencies"]))
        for s in play.path
    ]


def _save_steps(play: CasePlay, steps: list[engine.Step], start: str) -> None:
    """Write the kept steps back (a new list, so the JSON column is seen as changed)."""
    play.path = [
        {
            "scene": s.scene,
            "choice": s.choice,
            "target": s.target,
            "score": s.score,
            "competencies": list(s.competencies),
        }
        for s in steps
    ]
    play.current_scene = steps[-1].target if steps else start
    play.score = sum(s.score for s in steps)


def _finish(
    session: Session,
    actor: User,
    play: CasePlay,
    graph: engine.Scenario,
    course: Course,
    now: datetime,
) -> None:
    """Close the play at its ending, record ``completed`` and re-evaluate course completion."""
    result = engine.outcome(graph, _steps(play), best=play.max_score)
    play.ending = result.ending
    play.ended_at = now
    play.scaled_score = result.scaled
    session.flush()
    progress.record(
        session,
        actor,
        "completed",
        progress.object_iri(course.slug, "case", play.case_slug),
        now,
        result=xapi.score_result(
            scaled=result.scaled,
            raw=result.score,
            maximum=result.max_score,
            completion=True,
            response=result.ending,
        ),
        context={"registration": play.registration},
        course=course,
    )
    progress.update_completion(session, actor, course, now)
