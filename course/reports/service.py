"""Instructor reports on one course: enrolments and completions, the lesson funnel, quiz item
analysis, case choices, one trainee's every attempt, and the grading queue.

Each function runs a fixed number of queries whatever the course's size, and returns plain
values the pages and the CSV/XLSX exports both draw from.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from course.accounts.models import User
from course.cases.models import CasePlay
from course.catalog.models import Course
from course.catalog.service import course_outline, current_version, get_quiz_definition
from course.progress.models import CourseCompletion, Enrolment, LessonCompletion
from course.quizzes.itemsums import SUM_COLUMNS
from course.quizzes.models import EssayGrading, QuizAttempt, QuizItemSums, QuizOptionCount
from course.reports.itemanalysis import (
    ItemStatistics,
    ItemSums,
    choice_options,
    statistics_from_sums,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any


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
    month = month_of(session, CourseCompletion.completed_at)
    months = dict(
        session.execute(
            select(month, func.count())
            .where(CourseCompletion.course_id == course.id)
            .group_by(month)
        ).all()
    )
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


def month_of(session: Session, column: Any) -> Any:
    """``YYYY-MM`` of a UTC timestamp column, computed by the database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def plain(html: str) -> str:
    """Text of a rendered question, for tables and exports."""
    return " ".join(_TAGS.sub(" ", html).split())


def item_analysis(
    session: Session, course: Course, quiz_id: str, locale: str
) -> tuple[dict, list[ItemRow]] | None:
    """Item statistics for every question of a quiz over all graded attempts (any version),
    from the sums kept as attempts are graded.

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
    stats = item_statistics(session, course, quiz_id, questions)
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


def item_statistics(
    session: Session, course: Course, quiz_id: str, questions: dict[str, dict]
) -> list[ItemStatistics]:
    """Statistics per question from the running sums of every version (two queries).

    ``questions`` (id → definition, in the quiz's order) names the options a choice question
    has; questions answered only in older versions follow, by id.
    """
    where = (QuizItemSums.course_id == course.id, QuizItemSums.quiz_id == quiz_id)
    columns = [getattr(QuizItemSums, name) for name in SUM_COLUMNS]
    sums: dict[str, ItemSums] = {}
    for question_id, *values in session.execute(
        select(QuizItemSums.question_id, *[func.sum(column) for column in columns])
        .where(*where)
        .group_by(QuizItemSums.question_id)
    ):
        sums[question_id] = ItemSums(*[value or 0 for value in values])
    picks: dict[str, dict[str, int]] = {}
    for question_id, option_id, count in session.execute(
        select(
            QuizOptionCount.question_id, QuizOptionCount.option_id, func.sum(QuizOptionCount.count)
        )
        .where(QuizOptionCount.course_id == course.id, QuizOptionCount.quiz_id == quiz_id)
        .group_by(QuizOptionCount.question_id, QuizOptionCount.option_id)
    ):
        picks.setdefault(question_id, {})[option_id] = int(count or 0)
    order = list(questions) + sorted(set(sums) - set(questions))
    return [
        statistics_from_sums(
            question_id,
            sums.get(question_id, ItemSums()),
            choice_options(questions.get(question_id)),
            picks.get(question_id),
        )
        for question_id in order
    ]


@dataclass(frozen=True)
class TraineeRow:
    """One enrolled trainee with their progress in the course."""

    user: User
    enrolment: Enrolment
    lessons_done: int
    completion: CourseCompletion | None


TRAINEE_STATES = ("completed", "in-progress")


def trainees_query(
    course: Course,
    q: str | None = None,
    state: str | None = None,
    only: Collection[int] | None = None,
) -> Select:
    """Enrolled trainees with lessons done and completion, by name: rows of
    ``(Enrolment, User, CourseCompletion | None, lessons_done)`` for one page or a stream.

    ``q`` matches the name or address; ``state`` is ``completed`` or ``in-progress``; ``only``
    limits the rows to those user ids (the learners the reader may identify; None: everyone).
    """
    lessons_done = (
        select(func.count())
        .where(
            LessonCompletion.user_id == Enrolment.user_id,
            LessonCompletion.course_id == course.id,
        )
        .correlate(Enrolment)
        .scalar_subquery()
    )
    query = (
        select(Enrolment, User, CourseCompletion, lessons_done.label("lessons_done"))
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(
            CourseCompletion,
            (CourseCompletion.user_id == Enrolment.user_id)
            & (CourseCompletion.course_id == course.id),
        )
        .where(Enrolment.course_id == course.id)
        .order_by(User.display_name, User.id)
    )
    q = (q or "").strip()
    if q:
        query = query.where(
            User.display_name.contains(q, autoescape=True)
            | User.email.contains(q.lower(), autoescape=True)
        )
    if state == "completed":
        query = query.where(CourseCompletion.id.is_not(None))
    elif state == "in-progress":
        query = query.where(CourseCompletion.id.is_(None))
    if only is not None:
        query = query.where(Enrolment.user_id.in_(list(only)))
    return query


def trainees_export_query(
    course: Course,
    q: str | None = None,
    state: str | None = None,
    only: Collection[int] | None = None,
) -> Select:
    """:func:`trainees_query` as plain columns, in the export's order (no ORM objects to build
    per row): name, address, enrolled, due, lessons done, completed, score. ``only`` limits it
    to the learners the reader may identify, as on the page."""
    query = trainees_query(course, q, state, only=only)
    lessons_done = query.selected_columns.lessons_done
    return query.with_only_columns(
        User.display_name,
        User.email,
        Enrolment.enrolled_at,
        Enrolment.due_at,
        lessons_done,
        CourseCompletion.completed_at,
        CourseCompletion.final_score,
        maintain_column_froms=True,
    )


def trainee_rows(rows: Iterable) -> list[TraineeRow]:
    """:class:`TraineeRow` values from rows of :func:`trainees_query`."""
    return [
        TraineeRow(user, enrolment, done or 0, completion)
        for enrolment, user, completion, done in rows
    ]


def trainees(session: Session, course: Course) -> list[TraineeRow]:
    """Every enrolled trainee with lessons done and completion, by name (small courses, tests)."""
    return trainee_rows(session.execute(trainees_query(course)))


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
    user = session.get(User, user_id)
    if user is None:
        return None

    def of(model: type, order: Any) -> list:
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
