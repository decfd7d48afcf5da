"""The essay grading queue: instructors score essays by rubric, then the attempt finishes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from course.i18n import LOCALES
from course.quizzes.grading import essay_score
from course.quizzes.models import PENDING, EssayGrading, QuizAttempt
from course.quizzes.service import finish, paper_of

if TYPE_CHECKING:
    from course.accounts.models import User


class GradingError(ValueError):
    """Points outside the rubric, or an essay that was already graded."""


def waiting_essays(
    session: Session, user_ids: set[int] | None, limit: int = 100
) -> list[EssayGrading]:
    """Essays waiting for a grade from trainees in ``user_ids`` (None: everyone), oldest first."""
    query = (
        select(EssayGrading)
        .join(QuizAttempt, QuizAttempt.id == EssayGrading.attempt_id)
        .options(joinedload(EssayGrading.attempt).joinedload(QuizAttempt.user))
        .where(EssayGrading.status == "waiting")
        .order_by(EssayGrading.created_at, EssayGrading.id)
        .limit(limit)
    )
    if user_ids is not None:
        query = query.where(QuizAttempt.user_id.in_(user_ids or {-1}))
    return list(session.scalars(query))


def count_waiting(session: Session, user_ids: set[int] | None) -> int:
    """How many essays from trainees in ``user_ids`` (None: everyone) wait for a grade."""
    query = (
        select(func.count())
        .select_from(EssayGrading)
        .join(QuizAttempt, QuizAttempt.id == EssayGrading.attempt_id)
        .where(EssayGrading.status == "waiting")
    )
    if user_ids is not None:
        query = query.where(QuizAttempt.user_id.in_(user_ids or {-1}))
    return session.scalar(query) or 0


def essay_question(session: Session, essay: EssayGrading) -> tuple[dict, str]:
    """The essay's question and the trainee's text."""
    for question, _ in paper_of(session, essay.attempt):
        if question["id"] == essay.question_id:
            return question, str((essay.attempt.responses or {}).get(question["id"]) or "")
    raise LookupError(essay.question_id)


def grade_essay(
    session: Session,
    grader: User,
    essay: EssayGrading,
    points: dict[str, int],
    comment: str,
    now: datetime,
) -> EssayGrading:
    """Store the rubric points for one essay; when the attempt's last essay is graded, the attempt
    gets its final score, pass or fail, and its statement for progress.

    Without a rubric, ``points`` is ``{"overall": n}`` with ``0 <= n <= question points``.
    """
    session.refresh(essay.attempt, with_for_update=True)
    if essay.status != "waiting":
        raise GradingError("this essay is already graded")
    question, _ = essay_question(session, essay)
    rubric = question.get("rubric") or []
    limits = {c["id"]: c["points"] for c in rubric} if rubric else {"overall": question["points"]}
    for key, value in points.items():
        if key not in limits or not 0 <= value <= limits[key]:
            raise GradingError(f"points for {key!r} must be within 0..{limits.get(key, 0)}")
    missing = set(limits) - set(points)
    if missing:
        raise GradingError("every rubric criterion needs points: " + ", ".join(sorted(missing)))
    essay.points = dict(points)
    essay.score = essay_score(question, points if rubric else points["overall"])
    essay.comment = comment.strip() or None
    essay.grader_id = grader.id
    essay.graded_at = now
    essay.status = "graded"
    attempt = essay.attempt
    results = {key: dict(value) for key, value in (attempt.results or {}).items()}
    results[essay.question_id]["score"] = essay.score
    if essay.comment:
        results[essay.question_id]["feedback"] = [dict.fromkeys(LOCALES, essay.comment)]
    attempt.results = results
    session.flush()
    if attempt.status == PENDING and all(e.status == "graded" for e in attempt.essays):
        parts = [(q["points"], results[q["id"]]["score"]) for q, _ in paper_of(session, attempt)]
        finish(session, attempt, parts, now)
    return essay
