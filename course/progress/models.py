"""Who is enrolled in what, which lessons they have completed, course completions, and
learning records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
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
    __table_args__ = (UniqueConstraint("user_id", "course_id", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    lesson_slug: Mapped[str] = mapped_column(String(120))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CourseCompletion(db.Model):
    """A course completed by a trainee: recorded once, with the version and final score."""

    __tablename__ = "course_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

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

    ``object_id`` is the site-relative IRI (``/courses/...``) used to find records; the complete
    statement, with absolute IRIs under the stored IRI base, names and context, is built when the
    event is recorded and kept in ``statement``, so it never changes afterwards.
    """

    __tablename__ = "learning_records"
    __table_args__ = (
        Index("ix_learning_records_user_timestamp", "user_id", "timestamp"),
        Index("ix_learning_records_order", "timestamp", "ordinal", "id"),
    )

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
    #: Order among the statements of one transaction (they often share a timestamp).
    ordinal: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The complete xAPI statement, fixed when recorded (None for records made before 0004).
    statement: Mapped[dict | None] = mapped_column(JSON)


class RecordSettings(db.Model):
    """How statements are written, stored once (one row) so a host change or a later setting
    never changes a recorded statement: the IRI base and whether the actor's name is included.
    Filled from ``COURSE_XAPI_IRI_BASE`` (default ``COURSE_BASE_URL``) and
    ``COURSE_XAPI_ACTOR_NAME`` when the database is created (migration 0004)."""

    __tablename__ = "learning_record_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    iri_base: Mapped[str] = mapped_column(String(300))
    actor_name: Mapped[bool] = mapped_column(Boolean, default=True)


class LrsEndpoint(db.Model):
    """An organisation's own LRS: its members' statements are sent there too."""

    __tablename__ = "lrs_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str] = mapped_column(String(500))
    #: ``basic`` or ``oauth`` (client credentials; ``token_url`` gives the token endpoint).
    auth: Mapped[str] = mapped_column(String(16), default="basic")
    username: Mapped[str] = mapped_column(String(200), default="")
    #: The password or client secret, sealed with the secret key (AES-GCM).
    sealed_secret: Mapped[str] = mapped_column(Text, default="")
    token_url: Mapped[str | None] = mapped_column(String(500))


class LrsPosition(db.Model):
    """How far statements have been sent to one LRS (``platform`` or ``org:<slug>``).

    The position is the last statement sent, in (timestamp, ordinal, id) order; failures and
    ``retry_at`` drive the back-off.
    """

    __tablename__ = "lrs_positions"

    endpoint: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_timestamp: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ordinal: Mapped[int] = mapped_column(Integer, default=0)
    last_id: Mapped[str] = mapped_column(String(36), default="")
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LrsRefusal(db.Model):
    """A statement an LRS refused, with its answer; it is not sent again."""

    __tablename__ = "lrs_refusals"
    __table_args__ = (UniqueConstraint("endpoint", "statement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(80))
    statement_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime)
