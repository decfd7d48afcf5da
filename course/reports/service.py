"""Instructor reports on one course: enrolments and completions, the lesson funnel, quiz item
analysis, case choices, one trainee's every attempt, and the grading queue.

Each function runs a fixed number of queries whatever the course's size, and returns plain
values the pages and the CSV/XLSX exports both draw from.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from course.accounts.models import User
from course.catalog.models import Course, CourseVersion
from course.catalog.service import course_outline, current_version, get_quiz_definition
from course.progress.models import CourseCompletion, Enrolment, LessonCompletion
from course.quizzes.models import GRADED, EssayGrading, QuizAttempt
from course.reports.itemanalysis import ItemResponse, ItemStatistics, analyse

_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Overview:
    """Counts for the course's report page."""

    enrolled: int
    completed: int
    completions_by_month: list[tuple[str, int]]
    funnel: list[tuple[str, int]]
    quizzes: list[tuple[str, str]]
    cases: list[tuple[str, str]]


@dataclass(frozen=True)
class ItemRow:
    """One question with its statistics, for the item analysis table."""

    number: int
    question_id: str
    kind: str
    text: str
    stats: ItemStatistics
    option_texts: dict[str, str]


def overview(session: Session, course: Course, locale: str) -> Overview:
    """Enrolments, completions per month and the lesson funnel of the current version."""
    enrolled = session.scalar(
        select(func.count()).select_from(Enrolment).where(Enrolment.course_id == course.id)
    )
    completed_at = session.scalars(
        select(CourseCompletion.completed_at).where(CourseCompletion.course_id == course.id)
    )
    months = Counter(moment.strftime("%Y-%m") for moment in completed_at)
    version = current_version(session, course)
    outline = course_outline(session, version, locale)
    done = dict(
        session.execute(
            select(LessonCompletion.lesson_slug, func.count())
            .where(LessonCompletion.course_id == course.id)
            .group_by(LessonCompletion.lesson_slug)
        ).all()
    )
    items = [item for module in outline for item in module.items]
    funnel = [(item.title, done.get(item.slug, 0)) for item in items if item.kind == "lesson"]
    return Overview(
        enrolled=enrolled or 0,
        completed=sum(months.values()),
        completions_by_month=sorted(months.items()),
        funnel=funnel,
        quizzes=[(item.slug, item.title) for item in items if item.kind == "quiz"],
        cases=[(item.slug, item.title) for item in items if item.kind == "case"],
    )


def plain(html: str) -> str:
    """Text of a rendered question, for tables and exports."""
    return " ".join(_TAGS.sub(" ", html).split())


def item_analysis(
    session: Session, course: Course, quiz_id: str, locale: str
) -> tuple[dict, list[ItemRow]] | None:
    """Item statistics for every question of a quiz over all graded attempts (any version).

    Questions are described from the current version (a drawn exam's from the bank); a question
    answered in an older version but since removed is listed after them, by id.
    """
    version = current_version(session, course)
    quiz = get_quiz_definition(session, version, quiz_id)
    if quiz is None:
        return None
    source = quiz
    if quiz.get("draw"):
        source = get_quiz_definition(session, version, quiz["draw"]["bank"]) or {"questions": []}
    questions = {q["id"]: q for q in source.get("questions", [])}
    attempts = session.scalars(
        select(QuizAttempt).where(
            QuizAttempt.course_id == course.id,
            QuizAttempt.quiz_id == quiz_id,
            QuizAttempt.status == GRADED,
        )
    )
    responses = []
    for attempt in attempts:
        for question_id, result in (attempt.results or {}).items():
            score = result.get("score") if isinstance(result, dict) else None
            if score is None:
                continue
            picked = _picked(questions.get(question_id), (attempt.responses or {}).get(question_id))
            responses.append(ItemResponse(attempt.id, question_id, float(score), picked))
    options = {qid: _options(q) for qid, q in questions.items() if _options(q)}
    stats = analyse(responses, options, order=list(questions))
    rows = []
    for number, item in enumerate(stats, start=1):
        question = questions.get(item.item, {})
        rows.append(
            ItemRow(
                number=number,
                question_id=item.item,
                kind=question.get("type", ""),
                text=plain((question.get("text_html") or {}).get(locale, "")) or item.item,
                stats=item,
                option_texts={
                    o["id"]: plain(o["text"].get(locale, ""))
                    if isinstance(o["text"], dict)
                    else o["text"]
                    for o in question.get("options", [])
                },
            )
        )
    return quiz, rows


def _options(question: dict | None) -> list[tuple[str, bool]]:
    if not question:
        return []
    if question["type"] in ("single", "multiple"):
        return [(o["id"], bool(o["correct"])) for o in question["options"]]
    if question["type"] == "true_false":
        return [("true", question["answer"] is True), ("false", question["answer"] is False)]
    return []


def _picked(question: dict | None, entry: object) -> tuple[str, ...]:
    if not question or entry is None:
        return ()
    if question["type"] in ("single", "true_false") and isinstance(entry, str):
        return (entry,)
    if question["type"] == "multiple" and isinstance(entry, list):
        return tuple(str(value) for value in entry)
    return ()


@dataclass(frozen=True)
class TraineeRow:
    """One enrolled trainee with their progress in the course."""

    user: User
    enrolment: Enrolment
    lessons_done: int
    completion: CourseCompletion | None


def trainees(
    session: Session, course: Course, only: Collection[int] | None = None
) -> list[TraineeRow]:
    """Every enrolled trainee with lessons done and completion, by name; ``only`` limits the
    list to those user ids (the learners the reader may identify; None: everyone)."""
    query = (
        select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.course_id == course.id)
        .order_by(User.display_name, User.id)
    )
    if only is not None:
        query = query.where(Enrolment.user_id.in_(list(only)))
    rows = session.execute(query).all()
    done = dict(
        session.execute(
            select(LessonCompletion.user_id, func.count())
            .where(LessonCompletion.course_id == course.id)
            .group_by(LessonCompletion.user_id)
        ).all()
    )
    completions = {
        row.user_id: row
        for row in session.scalars(
            select(CourseCompletion).where(CourseCompletion.course_id == course.id)
        )
    }
    return [
        TraineeRow(user, enrolment, done.get(user.id, 0), completions.get(user.id))
        for enrolment, user in rows
    ]


@dataclass(frozen=True)
class TraineeDetail:
    """Everything one trainee did in a course."""

    user: User
    enrolment: Enrolment | None
    lessons: list[LessonCompletion]
    attempts: list[QuizAttempt]
    plays: list
    completion: CourseCompletion | None


def trainee_detail(session: Session, course: Course, user_id: int) -> TraineeDetail | None:
    """One trainee's lessons, every quiz attempt and every case play in the course."""
    from course.cases.models import CasePlay

    user = session.get(User, user_id)
    if user is None:
        return None

    def of(model, order):
        return list(
            session.scalars(
                select(model)
                .where(model.course_id == course.id, model.user_id == user_id)
                .order_by(order)
            )
        )

    return TraineeDetail(
        user=user,
        enrolment=session.scalar(
            select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.user_id == user_id)
        ),
        lessons=of(LessonCompletion, LessonCompletion.completed_at),
        attempts=of(QuizAttempt, QuizAttempt.started_at),
        plays=of(CasePlay, CasePlay.started_at),
        completion=session.scalar(
            select(CourseCompletion).where(
                CourseCompletion.course_id == course.id, CourseCompletion.user_id == user_id
            )
        ),
    )


def essays_waiting(
    session: Session, course: Course, only: Collection[int] | None = None
) -> list[EssayGrading]:
    """Essay answers in the course waiting for an instructor, oldest first; ``only`` limits
    them to those trainees' (None: everyone's)."""
    query = (
        select(EssayGrading)
        .join(EssayGrading.attempt)
        .where(EssayGrading.course_id == course.id, EssayGrading.status == "waiting")
        .options(joinedload(EssayGrading.attempt).joinedload(QuizAttempt.user))
        .order_by(EssayGrading.created_at, EssayGrading.id)
    )
    if only is not None:
        query = query.where(QuizAttempt.user_id.in_(list(only)))
    return list(session.scalars(query))


def versions_count(session: Session, course: Course) -> int:
    """How many versions the course has."""
    return session.scalar(
        select(func.count()).select_from(CourseVersion).where(CourseVersion.course_id == course.id)
    )
