"""Quiz attempts: start, save as you go, submit (once), close at the deadline, outcomes.

The server rules every attempt: its paper comes from the stored seed, its deadline is stored at
the start, answers saved after the deadline are refused, a late submission is graded as it stood
at the deadline, and submitting twice grades once. Essays wait in ``essays.py``'s queue.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.catalog.models import Course, CourseVersion, is_current_version
from course.memo import Memo
from course.progress import xapi
from course.progress.service import object_iri, quiz_exhausted, record, update_completion
from course.quizzes import itemsums
from course.quizzes.draw import DrawError, arrange, select_questions
from course.quizzes.gift_write import GiftExport, export_quiz
from course.quizzes.grading import grade, total_score
from course.quizzes.models import GRADED, OPEN, PENDING, EssayGrading, QuizAttempt
from course.quizzes.paper import canonical_response, clean_entry
from course.quizzes.tokens import PaperTokens, attempt_key, paper_tokens

if TYPE_CHECKING:
    from course.accounts.models import User


#: Answers that arrive this soon after the deadline (network latency) still count.
GRACE = timedelta(seconds=2)
#: ``(version id, quiz id) -> quiz``: versions never change.
_definitions = Memo(1024)
#: ``(version id, quiz id, seed) -> paper``: a paper depends only on these.
_papers = Memo(512)
#: The tokens of recent attempts' papers (``tokens.py``), derived once per attempt and worker.
_tokens = Memo(512)


class QuizRefused(Exception):
    """The trainee may not start an attempt now: ``reason`` is ``limit``, ``cooldown``,
    ``draw`` or ``missing``; ``retry_at`` says when a cool-down ends."""

    def __init__(self, reason: str, retry_at: datetime | None = None, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.retry_at = retry_at


class AttemptClosed(Exception):
    """The attempt no longer takes answers (submitted, or its time ran out)."""


@dataclass(frozen=True)
class QuizOutcome:
    """What completion needs to know of one trainee's attempts at one quiz."""

    best_score: float
    passed: bool
    attempts: int


def clear_caches() -> None:
    """Forget cached definitions and papers (a new app may point at another database)."""
    _definitions.clear()
    _papers.clear()
    _tokens.clear()


def definition(session: Session, version_id: int, quiz_id: str) -> dict | None:
    """A quiz (or the bank) of a course version; versions never change, so it is cached."""

    def load() -> dict | None:
        quizzes = session.scalar(
            select(CourseVersion.quizzes).where(CourseVersion.id == version_id)
        )
        return (quizzes or {}).get(quiz_id)

    return _definitions.get((version_id, quiz_id), load)


def current_quiz(session: Session, course: Course, quiz_id: str) -> tuple[int, dict] | None:
    """(version id, quiz) for the course's current version, or None if it has no such quiz."""
    version_id = session.scalar(select(CourseVersion.id).where(is_current_version(course)))
    quiz = definition(session, version_id, quiz_id) if version_id and quiz_id != "bank" else None
    return (version_id, quiz) if quiz else None


def export_gift(
    session: Session, course: Course, quiz_id: str, locale: str, locales: list[str]
) -> GiftExport:
    """A quiz (or the bank) of the course's current version as GIFT, with what it cannot carry.

    A drawing quiz exports the bank's questions and its draw as comments. Raises LookupError
    when the current version has no such quiz.
    """
    version_id = session.scalar(
        select(CourseVersion.id).where(
            CourseVersion.course_id == course.id, CourseVersion.number == course.current_number
        )
    )
    quiz = definition(session, version_id, quiz_id) if version_id else None
    if quiz is None:
        raise LookupError(quiz_id)
    bank = definition(session, version_id, "bank") if quiz.get("draw") else None
    return export_quiz(quiz, bank, locale, locales)


def paper_of(session: Session, attempt: QuizAttempt) -> list[tuple[dict, dict]]:
    """The attempt's questions in order, each with how it is arranged (from the seed).

    A paper depends only on (version, quiz, seed), so the last few hundred are kept; callers must
    not change what they get.
    """

    def draw() -> list[tuple[dict, dict]]:
        quiz = definition(session, attempt.version_id, attempt.quiz_id)
        bank = definition(session, attempt.version_id, "bank") if quiz.get("draw") else None
        shuffle = bool(quiz.get("shuffle_options"))
        questions = select_questions(quiz, bank, attempt.seed)
        return [(q, arrange(q, attempt.seed, shuffle)) for q in questions]

    return _papers.get((attempt.version_id, attempt.quiz_id, attempt.seed), draw)


def tokens_of(session: Session, attempt: QuizAttempt, secret: str | bytes) -> PaperTokens:
    """The opaque names the trainee's browser uses for the attempt's questions and items."""
    key = attempt_key(secret, attempt.id, attempt.seed)
    return _tokens.get(key, lambda: paper_tokens(key, paper_of(session, attempt)))


def attempts_of(session: Session, user_id: int, course_id: int, quiz_id: str) -> list[QuizAttempt]:
    """The trainee's attempts at the quiz, oldest first."""
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(
                QuizAttempt.user_id == user_id,
                QuizAttempt.course_id == course_id,
                QuizAttempt.quiz_id == quiz_id,
            )
            .order_by(QuizAttempt.number)
        )
    )


def next_start(quiz: dict, attempts: list[QuizAttempt]) -> tuple[str | None, datetime | None]:
    """Why a new attempt may not start (``limit``/``cooldown``, or None) and when it may.

    Pages show the end of a cool-down to the minute, so it ends at the start of that minute: a
    cool-down shown as ending at 16:31 lets the trainee start from 16:31:00 (inclusive).
    """
    if quiz["attempts"] and len(attempts) >= quiz["attempts"]:
        return "limit", None
    closed = [a.submitted_at for a in attempts if a.submitted_at is not None]
    if closed and quiz["cooldown_minutes"]:
        ends = max(closed) + timedelta(minutes=quiz["cooldown_minutes"])
        return "cooldown", ends.replace(second=0, microsecond=0)
    return None, None


def start_attempt(
    session: Session, user: User, course: Course, quiz_id: str, now: datetime
) -> QuizAttempt:
    """Resume the trainee's open attempt, or start a new one if the limits allow it.

    An open attempt whose time ran out is closed (and graded) first. Raises ``QuizRefused``.
    """
    found = current_quiz(session, course, quiz_id)
    if found is None:
        raise QuizRefused("missing")
    version_id, quiz = found
    attempts = attempts_of(session, user.id, course.id, quiz_id)
    for attempt in attempts:
        if attempt.is_open and not expired(attempt, now):
            return attempt
        if attempt.is_open:
            _close(session, attempt, now)
    reason, retry_at = next_start(quiz, attempts)
    if reason == "cooldown" and retry_at <= now:
        reason = None
    if reason:
        raise QuizRefused(reason, retry_at)
    seed = secrets.randbelow(2**31)
    try:
        select_questions(
            quiz, definition(session, version_id, "bank") if quiz["draw"] else None, seed
        )
    except DrawError as error:
        raise QuizRefused("draw", detail=str(error)) from error
    limit = quiz.get("time_limit_minutes")
    attempt = QuizAttempt(
        user_id=user.id,
        course_id=course.id,
        version_id=version_id,
        quiz_id=quiz_id,
        number=len(attempts) + 1,
        seed=seed,
        started_at=now,
        deadline_at=now + timedelta(minutes=limit) if limit else None,
        status=OPEN,
        responses={},
        pass_mark=quiz["pass_mark"],
        grading=quiz["grading"],
        review=quiz["review"],
        layout=quiz["layout"],
    )
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        # The same trainee started twice at once (a double click): use the one that won.
        again = attempts_of(session, user.id, course.id, quiz_id)
        return next(a for a in again if a.is_open)
    _report(session, attempt, user, "attempted", now)
    return attempt


def expired(attempt: QuizAttempt, now: datetime) -> bool:
    """Whether the attempt's time limit has run out (with the network grace)."""
    return attempt.deadline_at is not None and now > attempt.deadline_at + GRACE


def save_answers(
    session: Session,
    attempt: QuizAttempt,
    entries: dict,
    now: datetime,
    flags: dict[str, bool] | None = None,
) -> dict:
    """Store the entries given (question id -> entry) and return the attempt's cleaned entries.

    ``flags`` (question id -> flagged for review) marks or unmarks the questions it names.

    Raises ``AttemptClosed`` once the attempt is submitted or out of time (then it is closed).
    """
    session.refresh(attempt, with_for_update=True)
    if not attempt.is_open:
        raise AttemptClosed()
    if expired(attempt, now):
        _close(session, attempt, now)
        raise AttemptClosed()
    responses = dict(attempt.responses or {})
    for question, arrangement in paper_of(session, attempt):
        if question["id"] in entries:
            responses[question["id"]] = clean_entry(question, arrangement, entries[question["id"]])
    attempt.responses = responses
    if flags:
        known = {question["id"] for question, _ in paper_of(session, attempt)}
        flagged = set(attempt.flagged or ())
        flagged |= {qid for qid, on in flags.items() if on and qid in known}
        flagged -= {qid for qid, on in flags.items() if not on}
        attempt.flagged = sorted(flagged)
    session.flush()
    return responses


def submit_attempt(
    session: Session,
    attempt: QuizAttempt,
    token: str,
    now: datetime,
    entries: dict | None = None,
    flags: dict[str, bool] | None = None,
) -> QuizAttempt:
    """Grade the attempt once. A repeat (double click, retry) returns it unchanged.

    Entries sent with a submission after the deadline are ignored: the attempt is graded as its
    saved answers stood when time ran out.
    """
    session.refresh(attempt, with_for_update=True)
    if not attempt.is_open:
        return attempt
    if (entries or flags) and not expired(attempt, now):
        save_answers(session, attempt, entries or {}, now, flags)
    _close(session, attempt, now, token=token)
    return attempt


def close_if_expired(session: Session, attempt: QuizAttempt, now: datetime) -> bool:
    """Close (and grade) this attempt if its time has run out; True if it did."""
    session.refresh(attempt, with_for_update=True)
    if attempt.is_open and expired(attempt, now):
        _close(session, attempt, now)
        return True
    return False


def close_expired_attempts(session: Session, now: datetime) -> int:
    """Close and grade every open attempt whose deadline has passed; return how many."""
    overdue = session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.status == OPEN, QuizAttempt.deadline_at < now - GRACE)
        .with_for_update(skip_locked=True)
    ).all()
    for attempt in overdue:
        _close(session, attempt, now)
    return len(overdue)


def _close(session: Session, attempt: QuizAttempt, now: datetime, token: str | None = None) -> None:
    late = expired(attempt, now)
    attempt.closed_by = "deadline" if late else "trainee"
    attempt.submitted_at = attempt.deadline_at if late else now
    attempt.submission_token = token
    results, parts = {}, []
    for question, arrangement in paper_of(session, attempt):
        entry = (attempt.responses or {}).get(question["id"])
        outcome = grade(question, canonical_response(question, arrangement, entry))
        results[question["id"]] = {"score": outcome.score, "feedback": list(outcome.feedback)}
        parts.append((question["points"], outcome.score))
        if outcome.pending:
            session.add(
                EssayGrading(
                    attempt=attempt,
                    course_id=attempt.course_id,
                    question_id=question["id"],
                    status="waiting",
                    created_at=now,
                )
            )
    attempt.results = results
    finish(session, attempt, parts, now)


def finish(session: Session, attempt: QuizAttempt, parts: list, now: datetime) -> None:
    """Set the attempt's score and status from its question scores; report a final result."""
    attempt.score = total_score(parts)
    if attempt.score is None:
        attempt.status = PENDING
        session.flush()
        return
    attempt.status = GRADED
    attempt.passed = attempt.score >= attempt.pass_mark - 1e-9
    session.flush()
    itemsums.record(session, attempt, paper_of(session, attempt))
    _report(session, attempt, attempt.user, "passed" if attempt.passed else "failed", now)


def quiz_outcomes(session: Session, user_id: int, course_id: int) -> dict[str, QuizOutcome]:
    """``{quiz id: QuizOutcome}`` over the trainee's closed attempts in the course.

    With grading ``best`` the best score counts and any pass passes; with ``last`` the latest
    graded attempt decides. Attempts waiting for an essay count as attempts, not yet as scores.
    """
    rows = session.execute(
        select(
            QuizAttempt.quiz_id,
            QuizAttempt.status,
            QuizAttempt.score,
            QuizAttempt.passed,
            QuizAttempt.grading,
        )
        .where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.course_id == course_id,
            QuizAttempt.status != OPEN,
        )
        .order_by(QuizAttempt.number)
    ).all()
    outcomes: dict[str, QuizOutcome] = {}
    for quiz_id in dict.fromkeys(row.quiz_id for row in rows):
        mine = [row for row in rows if row.quiz_id == quiz_id]
        graded = [row for row in mine if row.status == GRADED]
        if not graded:
            outcomes[quiz_id] = QuizOutcome(0.0, False, len(mine))
        elif graded[-1].grading == "last":
            outcomes[quiz_id] = QuizOutcome(graded[-1].score, bool(graded[-1].passed), len(mine))
        else:
            best = max(row.score for row in graded)
            outcomes[quiz_id] = QuizOutcome(best, any(row.passed for row in graded), len(mine))
    return outcomes


def _report(session: Session, attempt: QuizAttempt, user: User, verb: str, now: datetime) -> None:
    """The one place quizzes tell progress what happened (statements, then completion).

    Every statement of an attempt carries the attempt's registration; a result carries the raw
    points out of the paper's points and how long the attempt took. A failed attempt that
    leaves no attempt to try again tells progress, which may record the course as failed.
    """
    course = session.get(Course, attempt.course_id)
    registration = xapi.attempt_registration(attempt.id, attempt.user_id, attempt.started_at)
    result = None
    if verb != "attempted":
        maximum = sum(question["points"] for question, _ in paper_of(session, attempt))
        result = xapi.score_result(
            scaled=attempt.score,
            raw=round(attempt.score * maximum, 4),
            minimum=0,
            maximum=maximum,
            success=attempt.passed,
            completion=True,
            duration=(attempt.submitted_at or now) - attempt.started_at,
        )
    quiz_iri = object_iri(course.slug, "quiz", attempt.quiz_id)
    context = {"registration": registration}
    record(session, user, verb, quiz_iri, now, result=result, context=context, course=course)
    if verb == "attempted":
        return
    update_completion(session, user, course, now)
    if verb == "failed":
        quiz = definition(session, attempt.version_id, attempt.quiz_id) or {}
        tried = attempts_of(session, attempt.user_id, attempt.course_id, attempt.quiz_id)
        exhausted = bool(quiz.get("attempts")) and len(tried) >= quiz["attempts"]
        if exhausted and not any(a.passed for a in tried):
            quiz_exhausted(session, user, course, attempt.quiz_id, now)
