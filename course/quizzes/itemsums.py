"""Item analysis sums, kept up to date as attempts are graded.

When an attempt becomes graded, each of its questions adds its score, its rest score and the
options it picked to the per-version sums (``QuizItemSums``, ``QuizOptionCount``), in two
statements (an upsert each). The item analysis report then reads one row per question and
option instead of decoding every attempt.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from course.catalog.models import CourseVersion
from course.quizzes.models import GRADED, QuizAttempt, QuizItemSums, QuizOptionCount
from course.reports.itemanalysis import contributions, picked_options

if TYPE_CHECKING:
    from collections.abc import Sequence


SUM_COLUMNS = (
    "responses", "score_sum", "paired", "paired_score_sum", "paired_score_squares",
    "rest_sum", "rest_squares", "products",
)  # fmt: skip


def attempt_rows(attempt: QuizAttempt, paper: list[tuple[dict, dict]]) -> tuple[list, list]:
    """The sums and option-count rows one graded attempt adds (plain dicts for an upsert)."""
    results = attempt.results or {}
    scores = {}
    for question, _arrangement in paper:
        result = results.get(question["id"])
        score = result.get("score") if isinstance(result, dict) else None
        if score is not None:
            scores[question["id"]] = float(score)
    key = {"course_id": attempt.course_id, "quiz_id": attempt.quiz_id,
           "version_id": attempt.version_id}  # fmt: skip
    sums = [
        {**key, "question_id": question_id, **asdict(item)}
        for question_id, item in contributions(scores).items()
    ]
    picks = []
    for question, _arrangement in paper:
        if question["id"] not in scores:
            continue
        entry = (attempt.responses or {}).get(question["id"])
        for option in sorted(set(picked_options(question, entry))):
            picks.append({**key, "question_id": question["id"], "option_id": option, "count": 1})
    return sums, picks


def upsert_increments(
    session: Session, model: type, keys: tuple[str, ...], columns: Sequence[str], rows: list
) -> None:
    """Insert ``rows``, or add their ``columns`` to the existing row with the same ``keys``."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: model.__table__.c[name] + statement.excluded[name] for name in columns},
    )
    session.execute(statement, rows)


def record(session: Session, attempt: QuizAttempt, paper: list[tuple[dict, dict]]) -> None:
    """Add a newly graded attempt to its quiz version's item sums and option counts."""
    sums, picks = attempt_rows(attempt, paper)
    base = ("course_id", "quiz_id", "version_id", "question_id")
    upsert_increments(session, QuizItemSums, base, SUM_COLUMNS, sums)
    upsert_increments(session, QuizOptionCount, (*base, "option_id"), ("count",), picks)


def rebuild(session: Session, batch: int = 2000) -> int:
    """Recompute every sum from the graded attempts (after a migration or a deletion of
    people); returns the number of attempts read. Reads columns, not models, so a migration
    can call it."""
    session.execute(delete(QuizItemSums))
    session.execute(delete(QuizOptionCount))
    questions: dict[int, dict[str, dict]] = {}
    for version_id, quizzes in session.execute(select(CourseVersion.id, CourseVersion.quizzes)):
        questions[version_id] = {
            question["id"]: question
            for quiz in (quizzes or {}).values()
            for question in quiz.get("questions", [])
        }
    table = QuizAttempt.__table__
    query = (
        select(
            table.c.id,
            table.c.course_id,
            table.c.quiz_id,
            table.c.version_id,
            table.c.responses,
            table.c.results,
        )  # fmt: skip
        .where(table.c.status == GRADED)
        .order_by(table.c.id)
    )
    count, last = 0, 0
    while True:
        rows = session.execute(query.where(table.c.id > last).limit(batch)).all()
        if not rows:
            return count
        sums, picks = [], []
        for row in rows:
            known = questions.get(row.version_id, {})
            paper = [(known[qid], {}) for qid in (row.results or {}) if qid in known]
            attempt = QuizAttempt(
                course_id=row.course_id, quiz_id=row.quiz_id, version_id=row.version_id,
                responses=row.responses, results=row.results,
            )  # fmt: skip
            more_sums, more_picks = attempt_rows(attempt, paper)
            sums += more_sums
            picks += more_picks
        base = ("course_id", "quiz_id", "version_id", "question_id")
        _merge_upsert(session, QuizItemSums, base, SUM_COLUMNS, sums)
        _merge_upsert(session, QuizOptionCount, (*base, "option_id"), ("count",), picks)
        count += len(rows)
        last = rows[-1].id


def _merge_upsert(
    session: Session, model: type, keys: tuple[str, ...], columns: Sequence[str], rows: list
) -> None:
    # One statement may not touch a row twice (PostgreSQL), so add up equal keys first.
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[name] for name in keys)
        if key in merged:
            for name in columns:
                merged[key][name] += row[name]
        else:
            merged[key] = dict(row)
    upsert_increments(session, model, keys, columns, list(merged.values()))
