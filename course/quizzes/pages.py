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
from course.quizzes.tokens import from_browser, to_browser

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
    """The questions of an attempt (public parts only), the entries so far, and the clock.

    Everything here names questions and items by the attempt's tokens (``tokens.py``).
    """

    attempt: QuizAttempt
    course: Course
    quiz: dict
    questions: list[dict]
    #: ``{question token: entry in tokens}``
    entries: dict
    page: int
    pages: int
    remaining_seconds: int | None
    navigator: list[dict] = field(default_factory=list)
    #: Question tokens flagged for review.
    flagged: set[str] = field(default_factory=set)

    @property
    def answered(self) -> int:
        return sum(1 for item in self.navigator if item["answered"])

    @property
    def unanswered(self) -> int:
        return len(self.navigator) - self.answered

    @property
    def flagged_count(self) -> int:
        return sum(1 for item in self.navigator if item["flagged"])


@dataclass
class Answers:
    """What one submitted attempt form carries, in the server's terms."""

    #: ``{question id: entry}`` for the questions the form showed.
    entries: dict
    #: ``{question id: flagged}`` for the same questions.
    flags: dict[str, bool]


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
    session: Session,
    attempt: QuizAttempt,
    course: Course,
    locale: str,
    page: int,
    now: datetime,
    secret: str | bytes,
) -> AttemptPage:
    """One page of an open attempt: every question (layout ``all``) or the ``page``-th one.

    ``page`` 0 means no question at all (the summary before submitting).
    """
    quiz = service.definition(session, attempt.version_id, attempt.quiz_id)
    paper = service.paper_of(session, attempt)
    names = service.tokens_of(session, attempt, secret)
    stored = attempt.responses or {}
    flagged_ids = set(attempt.flagged or ())
    per_page = attempt.layout == "one-per-page"
    pages = len(paper) if per_page else 1
    page = min(max(page, 1), pages) if page else 0
    entries, questions, navigator, flagged = {}, [], [], set()
    for number, (question, arrangement) in enumerate(paper, 1):
        qid, tokens = question["id"], names.questions[question["id"]]
        shown = page and (not per_page or number == page)
        entry = stored.get(qid)
        if shown:
            questions.append(public_question(question, arrangement, locale, number, tokens))
            entries[tokens.name] = to_browser(question, arrangement, tokens, entry)
        if qid in flagged_ids:
            flagged.add(tokens.name)
        navigator.append(
            {
                "number": number,
                "name": tokens.name,
                "answered": entry not in (None, "", [], {}),
                "flagged": qid in flagged_ids,
                "current": per_page and number == page,
            }
        )
    remaining = None
    if attempt.deadline_at is not None:
        remaining = max(0, int((attempt.deadline_at - now).total_seconds()))
    return AttemptPage(
        attempt, course, quiz, questions, entries, page, pages, remaining, navigator, flagged
    )


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


def answers_from_form(
    session: Session, attempt: QuizAttempt, form: Mapping[str, Any], secret: str | bytes
) -> Answers:
    """The entries and flags of the questions the submitted page showed, in the server's terms.

    The form names everything by the attempt's tokens: ``present`` lists the question tokens
    the page showed; ``q-<question>`` carries a choice (an option token) or text;
    ``q-<question>-<item>`` carries, for each left-hand item of a matching question, a
    right-hand item's token, and for each item of an ordering question its rank (from 1);
    ``flag`` lists flagged question tokens.
    Unknown tokens are ignored.
    """
    names = service.tokens_of(session, attempt, secret)
    present = {names.question_id(name) for name in form.getlist("present")}
    flagged = set(form.getlist("flag"))
    answers = Answers({}, {})
    for question, arrangement in service.paper_of(session, attempt):
        qid = question["id"]
        if qid not in present:
            continue
        tokens = names.questions[qid]
        kind, field_name = question["type"], f"q-{tokens.name}"
        if kind == "multiple":
            raw = form.getlist(field_name)
        elif kind in ("matching", "ordering"):
            raw = {
                item: form.get(f"{field_name}-{item}")
                for item in tokens.items
                if form.get(f"{field_name}-{item}", "") != ""
            }
        else:
            raw = form.get(field_name)
        answers.entries[qid] = from_browser(question, arrangement, tokens, raw)
        answers.flags[qid] = tokens.name in flagged
    return answers


def for_browser(
    session: Session, attempt: QuizAttempt, secret: str | bytes, responses: dict
) -> tuple[dict, list[str]]:
    """The attempt's stored entries and flags as the browser names them (JSON replies)."""
    names = service.tokens_of(session, attempt, secret)
    entries = {}
    for question, arrangement in service.paper_of(session, attempt):
        tokens = names.questions[question["id"]]
        entries[tokens.name] = to_browser(
            question, arrangement, tokens, responses.get(question["id"])
        )
    flagged = [names.questions[qid].name for qid in attempt.flagged or () if qid in names.questions]
    return entries, sorted(flagged)
