"""Plays of case studies, the choices made in them, and reflections with their reviews."""

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.accounts.models import User
from course.db import UTCDateTime
from course.extensions import db


class CasePlay(db.Model):
    """One play of a case by a trainee, from the start scene to an ending (or abandoned).

    Keyed by the course and the case's stable slug; ``version_id`` records which version of the
    case was played, so the path can always be replayed against the scenes the trainee saw.
    """

    __tablename__ = "case_plays"
    __table_args__ = (Index("ix_case_plays_user_course_case", "user_id", "course_id", "case_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    case_slug: Mapped[str] = mapped_column(String(120))
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"))
    #: A UUID naming this play in learning records (xAPI ``context.registration``).
    registration: Mapped[str] = mapped_column(String(36), unique=True)
    #: The steps kept, in order: ``[{"scene", "choice", "target", "score", "competencies"}]``.
    path: Mapped[list] = mapped_column(JSON, default=list)
    #: The scene the trainee is on (the ending, once ended).
    current_scene: Mapped[str] = mapped_column(String(120))
    #: Sum of the kept steps' scores; ``max_score`` is the case's best path, copied at the start.
    score: Mapped[int] = mapped_column(Integer, default=0)
    max_score: Mapped[int] = mapped_column(Integer, default=0)
    #: Score over maximum, clamped to 0..1; set when the play ends.
    scaled_score: Mapped[float | None] = mapped_column(Float)
    ending: Mapped[str | None] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    choices: Mapped[list[CaseChoice]] = relationship(
        back_populates="play", cascade="all, delete-orphan", order_by="CaseChoice.id"
    )
    reflections: Mapped[list[Reflection]] = relationship(
        back_populates="play", cascade="all, delete-orphan", order_by="Reflection.id"
    )

    @property
    def ended(self) -> bool:
        return self.ended_at is not None


class CaseChoice(db.Model):
    """Every choice a trainee made, for the per-scene distributions instructors read.

    A choice later undone by stepping back stays, marked ``undone``.
    """

    __tablename__ = "case_choices"
    __table_args__ = (
        Index("ix_case_choices_course_case_scene", "course_id", "case_slug", "scene"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    play_id: Mapped[int] = mapped_column(
        ForeignKey("case_plays.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    case_slug: Mapped[str] = mapped_column(String(120))
    scene: Mapped[str] = mapped_column(String(120))
    #: Position of the choice in the scene (0-based) and the scene it leads to.
    choice: Mapped[int] = mapped_column(Integer)
    target: Mapped[str] = mapped_column(String(120))
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)

    play: Mapped[CasePlay] = relationship(back_populates="choices")


class Reflection(db.Model):
    """A trainee's answer to one reflection prompt after an ending, and its review."""

    __tablename__ = "reflections"
    __table_args__ = (UniqueConstraint("play_id", "prompt_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    play_id: Mapped[int] = mapped_column(
        ForeignKey("case_plays.id", ondelete="CASCADE"), index=True
    )
    prompt_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Points per rubric criterion: ``{"insight": 3, "action": 2}``; None until reviewed.
    scores: Mapped[dict | None] = mapped_column(JSON)
    feedback: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    play: Mapped[CasePlay] = relationship(back_populates="reflections")
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None
