"""What each quiz page shows, gathered in a fixed number of queries (views stay thin)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from course.catalog.models import Course
from course.quizzes import service
from course.quizzes.models import QuizAttempt
from course.quizzes.paper import public_question
from course.quizzes.review import review_items

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from course.accounts.models import User


@dataclass
class QuizPage:
    """The start page: settings, earlier attempts, and whether a new attempt may start."""

    course: Course
    quiz: dict
    attempts: list[QuizAttempt]
    open_attempt: QuizAttempt | None
    refusal: str | None
    retry_at: datetime | None
    question_count: int


@dataclass
class AttemptPage:
    """The questions of an attempt (public parts only), the entries so far, and the clock."""

    attempt: QuizAttempt
    course: Course
    quiz: dict
    questions: list[dict]
    entries: dict
    page: int
    pages: int
    remaining_seconds: int | None
    navigator: list[dict] = field(default_factory=list)


def quiz_page(
    session: Session, user: User, course: Course, quiz_id: str, now: datetime
) -> QuizPage | None:
    """The start page of a quiz, or None if the course's current version has no such quiz."""
    found = service.current_quiz(session, course, quiz_id)
    if found is None:
        return None
    version_id, quiz = found
    attempts = service.attempts_of(session, user.id, course.id, quiz_id)
    open_attempt = next((a for a in attempts if a.is_open and not service.expired(a, now)), None)
    refusal, retry_at = service.next_start(quiz, [a for a in attempts if a is not open_attempt])
    if refusal == "cooldown" and retry_at <= now:
        refusal = None
    count = (
        sum(rule["count"] for rule in quiz["draw"]["rules"])
        if quiz["draw"]
        else len(quiz["questions"])
    )
    return QuizPage(course, quiz, attempts, open_attempt, refusal, retry_at, count)


def attempt_page(
    session: Session, attempt: QuizAttempt, course: Course, locale: str, page: int, now: datetime
) -> AttemptPage:
    """One page of an open attempt: every question (layout ``all``) or the ``page``-th one."""
    quiz = service.definition(session, attempt.version_id, attempt.quiz_id)
    paper = service.paper_of(session, attempt)
    views = [
        public_question(q, arrangement, locale, n) for n, (q, arrangement) in enumerate(paper, 1)
    ]
    for view, (question, _) in zip(views, paper, strict=True):
        view["id"] = question["id"]
    entries = attempt.responses or {}
    per_page = attempt.layout == "one-per-page"
    pages = len(views) if per_page else 1
    page = min(max(page, 1), pages)
    shown = views[page - 1 : page] if per_page else views
    navigator = [
        {
            "number": view["number"],
            "id": view["id"],
            "answered": entries.get(view["id"]) not in (None, "", [], {}),
            "current": per_page and view["number"] == page,
        }
        for view in views
    ]
    remaining = None
    if attempt.deadline_at is not None:
        remaining = max(0, int((attempt.deadline_at - now).total_seconds()))
    return AttemptPage(attempt, course, quiz, shown, entries, page, pages, remaining, navigator)


def results_page(session: Session, attempt: QuizAttempt, locale: str) -> list[dict]:
    """The per-question review of a submitted attempt, as its review policy allows."""
    paper = service.paper_of(session, attempt)
    return review_items(
        paper,
        attempt.responses or {},
        attempt.results or {},
        attempt.review,
        attempt.passed,
        locale,
    )


def entries_from_form(session: Session, attempt: QuizAttempt, form: Mapping[str, Any]) -> dict:
    """Entries for the questions the submitted page showed (``present`` lists their ids).

    Field names: ``q-<id>`` for choices and text; ``q-<id>-<position>`` for each left-hand item
    of a matching question (value: a right-hand position) and each item of an ordering
    question (value: its rank, from 1).
    """
    present = set(form.getlist("present"))
    entries = {}
    for question, arrangement in service.paper_of(session, attempt):
        qid = question["id"]
        if qid not in present:
            continue
        kind, name = question["type"], f"q-{qid}"
        if kind == "multiple":
            entries[qid] = form.getlist(name)
        elif kind in ("matching", "ordering"):
            size = len(arrangement["left"] if kind == "matching" else arrangement["items"])
            entries[qid] = {
                str(pos): form.get(f"{name}-{pos}")
                for pos in range(size)
                if form.get(f"{name}-{pos}", "") != ""
            }
        else:
            entries[qid] = form.get(name)
    return entries
