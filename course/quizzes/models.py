"""Quiz attempts (paper fixed by a seed, answers saved as they are given) and essays to grade."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.accounts.models import User
from course.db import UTCDateTime
from course.extensions import db

OPEN, PENDING, GRADED = "open", "pending", "graded"


class QuizAttempt(db.Model):
    """One sitting of a quiz by a trainee, keyed by the course and the quiz's stable id.

    The settings that judge the attempt (pass mark, grading method, review policy, deadline) are
    copied at the start, so an author's later edit never changes an attempt under way.
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "quiz_id", "number"),
        Index("ix_quiz_attempts_course_quiz_status", "course_id", "quiz_id", "status"),
        Index("ix_quiz_attempts_status_deadline", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    #: The course version whose quiz definition this attempt follows.
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"))
    quiz_id: Mapped[str] = mapped_column(String(120))
    #: 1 for the trainee's first attempt at this quiz, 2 for the next...
    number: Mapped[int] = mapped_column(Integer)
    #: Fixes the draw, the question order and the option order (see ``draw.py``).
    seed: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the time limit runs out; None without a time limit.
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ``open`` (being answered), ``pending`` (an essay waits for an instructor), ``graded``.
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    #: ``trainee`` (submitted) or ``deadline`` (closed by the server when time ran out).
    closed_by: Mapped[str | None] = mapped_column(String(16))
    #: The token of the submission that graded the attempt; a repeat with it changes nothing.
    submission_token: Mapped[str | None] = mapped_column(String(64))
    #: ``{question id: entry}`` exactly as the trainee entered it (display terms, see ``paper.py``).
    responses: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Question ids the trainee flagged for review before submitting (a reminder, never graded).
    flagged: Mapped[list | None] = mapped_column(JSON, default=list)
    #: ``{question id: {"score": 0..1 | None, "feedback": [...]}}`` once submitted.
    results: Mapped[dict | None] = mapped_column(JSON)
    #: 0..1 (points-weighted); None until every question is graded.
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column()
    pass_mark: Mapped[float] = mapped_column(Float)
    #: ``best`` or ``last``: which attempt counts, copied from the quiz.
    grading: Mapped[str] = mapped_column(String(8), default="best")
    #: The review policy copied from the quiz (score, correctness, feedback, answers).
    review: Mapped[dict] = mapped_column(JSON, default=dict)
    #: ``all`` or ``one-per-page``.
    layout: Mapped[str] = mapped_column(String(16), default="all")

    user: Mapped[User] = relationship()
    essays: Mapped[list[EssayGrading]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="EssayGrading.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


class EssayGrading(db.Model):
    """An essay answer in an instructor's grading queue, and the rubric points it was given."""

    __tablename__ = "essay_gradings"
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_id"),
        Index("ix_essay_gradings_course_status", "course_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(120))
    #: ``waiting`` or ``graded``.
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    #: ``{criterion id: points}``, or ``{"overall": points}`` for an essay without a rubric.
    points: Mapped[dict | None] = mapped_column(JSON)
    score: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str | None] = mapped_column(Text)
    grader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="essays")


class QuizItemSums(db.Model):
    """Running sums over every graded attempt of one question, per quiz version: what item
    analysis needs (facility, and the item-rest correlation) without reading any attempt.

    Updated by ``itemsums.record`` in the transaction that grades an attempt. An attempt's
    *rest* score for a question is the mean score of its other graded questions.
    """

    __tablename__ = "quiz_item_sums"
    __table_args__ = (UniqueConstraint("course_id", "quiz_id", "version_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    quiz_id: Mapped[str] = mapped_column(String(120))
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(120))
    #: Graded answers, and the sum of their scores (0..1 each).
    responses: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    #: Answers in attempts with at least one other graded question (those have a rest score),
    #: and the sums the Pearson correlation of score and rest score is computed from.
    paired: Mapped[int] = mapped_column(Integer, default=0)
    paired_score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    paired_score_squares: Mapped[float] = mapped_column(Float, default=0.0)
    rest_sum: Mapped[float] = mapped_column(Float, default=0.0)
    rest_squares: Mapped[float] = mapped_column(Float, default=0.0)
    products: Mapped[float] = mapped_column(Float, default=0.0)


class QuizOptionCount(db.Model):
    """How many graded answers to a choice question picked an option, per quiz version."""

    __tablename__ = "quiz_option_counts"
    __table_args__ = (
        UniqueConstraint("course_id", "quiz_id", "version_id", "question_id", "option_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    quiz_id: Mapped[str] = mapped_column(String(120))
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(120))
    option_id: Mapped[str] = mapped_column(String(120))
    count: Mapped[int] = mapped_column(Integer, default=0)
