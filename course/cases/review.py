"""The instructor's side of case studies: the reflection review queue, rubric scoring, and how
trainees chose at each scene.

Who may see which trainees is decided by ``course.policy``; these functions take the resulting
set of trainee ids (``None`` meaning everyone) and only query and write.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from course.cases.models import CaseChoice, CasePlay, Reflection
from course.cases.service import played_definition, played_definitions
from course.catalog.models import Course
from course.orgs.models import Cohort
from course.progress import service as progress

if TYPE_CHECKING:
    from course.accounts.models import User


MAX_FEEDBACK_CHARS = 10_000


class ReviewError(ValueError):
    """Scores that do not fit the case's rubric."""


@dataclass(frozen=True)
class ChoiceCount:
    """How often one choice of a scene was taken (undone choices excluded)."""

    index: int
    label: dict
    target: str
    score: int
    count: int
    share: float


@dataclass(frozen=True)
class SceneDistribution:
    """The choices of one scene and how often each was taken."""

    scene: str
    title: dict
    total: int
    choices: list[ChoiceCount]


@dataclass(frozen=True)
class ReviewItem:
    """A reflection waiting for (or having had) review, with what the reviewer needs beside it."""

    reflection: Reflection
    prompt: dict
    rubric: list[dict]
    case_title: dict


def review_queue(
    session: Session,
    course: Course,
    trainee_ids: Collection[int] | None,
    reviewed: bool = False,
    limit: int = 200,
) -> list[ReviewItem]:
    """Reflections in ``course`` by the given trainees, oldest first; unreviewed by default."""
    query = (
        select(Reflection)
        .join(Reflection.play)
        .where(CasePlay.course_id == course.id)
        .where(
            Reflection.reviewed_at.is_not(None) if reviewed else Reflection.reviewed_at.is_(None)
        )
        .options(joinedload(Reflection.play).joinedload(CasePlay.user))
        .order_by(Reflection.submitted_at, Reflection.id)
        .limit(limit)
    )
    if trainee_ids is not None:
        query = query.where(CasePlay.user_id.in_(list(trainee_ids)))
    reflections = session.scalars(query).unique().all()
    definitions = played_definitions(session, [reflection.play for reflection in reflections])
    return [
        _item(reflection, definitions[(reflection.play.version_id, reflection.play.case_slug)])
        for reflection in reflections
    ]


def review_item(session: Session, reflection: Reflection) -> ReviewItem:
    """One reflection with its prompt, the rubric and the case title of the version played."""
    return _item(reflection, played_definition(session, reflection.play))


def _item(reflection: Reflection, definition: dict) -> ReviewItem:
    prompts = {item["id"]: item["prompt"] for item in definition["reflection"]}
    return ReviewItem(
        reflection=reflection,
        prompt=prompts.get(reflection.prompt_id, {}),
        rubric=definition["rubric"],
        case_title=definition["title"],
    )


def review_reflection(
    session: Session,
    actor: User,
    reflection: Reflection,
    scores: Mapping[str, int],
    feedback: str,
    now: datetime,
) -> Reflection:
    """Score a reflection on every rubric criterion (0..points) and leave feedback.

    A later review replaces an earlier one. Re-evaluates the trainee's course completion, since a
    course may require reviewed reflections.
    """
    rubric = played_definition(session, reflection.play)["rubric"]
    clean: dict[str, int] = {}
    for criterion in rubric:
        value = scores.get(criterion["id"])
        if not isinstance(value, int) or isinstance(value, bool):
            raise ReviewError(f"a score is needed for '{criterion['id']}'")
        if not 0 <= value <= criterion["points"]:
            raise ReviewError(f"'{criterion['id']}' takes 0 to {criterion['points']} points")
        clean[criterion["id"]] = value
    feedback = feedback.strip()
    if len(feedback) > MAX_FEEDBACK_CHARS:
        raise ReviewError(f"feedback may be at most {MAX_FEEDBACK_CHARS} characters")
    reflection.scores = clean
    reflection.feedback = feedback
    reflection.reviewed_by_id = actor.id
    reflection.reviewed_at = now
    session.flush()
    course = session.get(Course, reflection.play.course_id)
    progress.update_completion(session, reflection.play.user, course, now)
    return reflection


def choice_distribution(
    session: Session,
    course: Course,
    definition: dict,
    trainee_ids: Collection[int] | None,
) -> list[SceneDistribution]:
    """For each scene with choices (in the author's order): how often each choice was taken.

    Counts every choice kept in any play by the given trainees (``None``: everyone), whatever
    version they played, matched by scene id and choice position.
    """
    query = (
        select(CaseChoice.scene, CaseChoice.choice, func.count())
        .where(
            CaseChoice.course_id == course.id,
            CaseChoice.case_slug == definition["id"],
            CaseChoice.undone.is_(False),
        )
        .group_by(CaseChoice.scene, CaseChoice.choice)
    )
    if trainee_ids is not None:
        query = query.join(CasePlay, CasePlay.id == CaseChoice.play_id).where(
            CasePlay.user_id.in_(list(trainee_ids))
        )
    counts = {(scene, choice): count for scene, choice, count in session.execute(query)}
    scenes = []
    for scene in definition["scenes"]:
        if not scene["choices"]:
            continue
        per_choice = [counts.get((scene["id"], i), 0) for i in range(len(scene["choices"]))]
        total = sum(per_choice)
        scenes.append(
            SceneDistribution(
                scene=scene["id"],
                title=scene["title"],
                total=total,
                choices=[
                    ChoiceCount(
                        index=i,
                        label=choice["label"],
                        target=choice["target"],
                        score=choice["score"],
                        count=per_choice[i],
                        share=per_choice[i] / total if total else 0.0,
                    )
                    for i, choice in enumerate(scene["choices"])
                ],
            )
        )
    return scenes


def cohorts_for(session: Session, organisation_ids: Collection[int] | None) -> list[Cohort]:
    """Cohorts of the given organisations (``None``: all), for the distribution page's filter."""
    query = select(Cohort).order_by(Cohort.organisation_id, Cohort.name)
    if organisation_ids is not None:
        query = query.where(Cohort.organisation_id.in_(list(organisation_ids)))
    return list(session.scalars(query))


def waiting_by_course(
    session: Session, trainee_ids: Collection[int] | None
) -> list[tuple[Course, int]]:
    """Courses with reflections waiting for review by the given trainees, and how many."""
    query = (
        select(Course, func.count(Reflection.id))
        .join(CasePlay, CasePlay.course_id == Course.id)
        .join(Reflection, Reflection.play_id == CasePlay.id)
        .where(Reflection.reviewed_at.is_(None))
        .group_by(Course.id)
        .order_by(Course.slug)
    )
    if trainee_ids is not None:
        query = query.where(CasePlay.user_id.in_(list(trainee_ids)))
    return [(course, count) for course, count in session.execute(query)]
