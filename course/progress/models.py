"""Who is enrolled in what, which lessons they have completed, course completions, and
learning records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from course.db import UTCDateTime
from course.extensions import db


class Enrolment(db.Model):
    """A trainee taking a course, by their own choice or through a cohort assignment."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: ``self`` or ``assignment``.
    source: Mapped[str] = mapped_column(String(16), default="self")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LessonCompletion(db.Model):
    """A lesson a trainee has finished, keyed by the lesson's stable slug (not a version)."""

    __tablename__ = "lesson_completions"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "lesson_slug"),
        # Covers the lesson funnel (completions per lesson of a course) without the table.
        Index("ix_lesson_completions_course_lesson", "course_id", "lesson_slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    lesson_slug: Mapped[str] = mapped_column(String(120))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CourseCompletion(db.Model):
    """A course completed by a trainee: recorded once, with the version and final score."""

    __tablename__ = "course_completions"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        # Covers completions per month of a course.
        Index("ix_course_completions_course_completed", "course_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: The version whose completion rule was met.
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: 0..1: the final exam's best score, else the mean of the module quizzes, else of the cases.
    final_score: Mapped[float | None] = mapped_column(Float)


class LearningRecord(db.Model):
    """One learning event as an xAPI-shaped statement (see docs/learning-records.md).

    ``object_id`` is an IRI; site-relative ones (``/courses/...``) are expanded with the site's
    base URL on export, so records survive a change of host name.
    """

    __tablename__ = "learning_records"
    __table_args__ = (Index("ix_learning_records_user_timestamp", "user_id", "timestamp"),)

    #: The statement id, a UUID.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    verb: Mapped[str] = mapped_column(String(200))
    object_id: Mapped[str] = mapped_column(String(500))
    #: ``course`` / ``lesson`` / ``quiz`` / ``case`` / ``scene`` (maps to an xAPI activity type).
    object_type: Mapped[str] = mapped_column(String(40))
    result: Mapped[dict | None] = mapped_column(JSON)
    context: Mapped[dict | None] = mapped_column(JSON)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
