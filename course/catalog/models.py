"""Courses and their immutable versions: the stored package, its rendered lessons and files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from course.db import UTCDateTime, utcnow
from course.extensions import db


class Course(db.Model):
    """A course, known by its stable slug; its content lives in versions."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable forever: learner records everywhere point at it.
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    #: Copied from the current version, so the catalogue lists courses from one table.
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    hours: Mapped[float] = mapped_column(default=0)
    #: ``open`` (anyone may enrol) or ``assigned`` (only through an organisation's cohort).
    enrolment: Mapped[str] = mapped_column(String(16), default="open")
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)
    #: ``CourseVersion.number`` of the version learners see.
    current_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course", order_by="CourseVersion.number", viewonly=True
    )


class CourseVersion(db.Model):
    """One imported package, never changed after it is stored."""

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3... in import order.
    number: Mapped[int] = mapped_column(Integer)
    #: SHA-256 over every source file; importing the same bytes again changes nothing.
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: The author's own version label from course.yaml.
    label: Mapped[str] = mapped_column(String(40), default="")
    #: course.yaml settings plus modules with their items and localised titles, in order
    #: (loaded when first used: pages read the outline from a per-process memo).
    manifest: Mapped[dict] = deferred(mapped_column(JSON))
    #: Parsed quizzes and cases by id (loaded only when asked for).
    quizzes: Mapped[dict] = deferred(mapped_column(JSON, default=dict))
    cases: Mapped[dict] = deferred(mapped_column(JSON, default=dict))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship(back_populates="versions")


def is_current_version(course: Course | type[Course] = Course) -> ColumnElement[bool]:
    """The one "current version" condition: a ``CourseVersion`` row is the one learners see.

    With a ``Course`` row it filters that course's versions
    (``select(CourseVersion).where(is_current_version(course))``); with the ``Course`` entity (the
    default) it joins each course to its current version (``.join(CourseVersion,
    is_current_version())``).
    """
    return and_(CourseVersion.course_id == course.id, CourseVersion.number == course.current_number)


class CourseLesson(db.Model):
    """One lesson of one version in one locale, rendered at import."""

    __tablename__ = "course_lessons"
    __table_args__ = (UniqueConstraint("version_id", "slug", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(8))
    module_slug: Mapped[str] = mapped_column(String(120))
    #: Place in the whole course, from 0.
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(Integer)
    html: Mapped[str] = mapped_column(Text)
    #: ``[{level, anchor, title}]`` of the h2/h3 headings.
    toc: Mapped[list] = mapped_column(JSON, default=list)
    #: Plain text, for search.
    text: Mapped[str] = mapped_column(Text)


class CourseFile(db.Model):
    """A source file of a version, byte for byte (``area`` is ``content`` or ``quizzes``)."""

    __tablename__ = "course_files"
    __table_args__ = (UniqueConstraint("version_id", "area", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    area: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
