"""Who authors a course, and the draft (a mutable working copy of the package files) they edit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from course.accounts.models import User
from course.db import UTCDateTime
from course.extensions import db


class CourseInstructor(db.Model):
    """A person who may edit, publish and read the reports of one course."""

    __tablename__ = "course_instructors"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class InstructorInvitation(db.Model):
    """An e-mailed invitation to co-instruct a course; the course gains the instructor only when
    the holder of the invited address accepts it while signed in."""

    __tablename__ = "instructor_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: The invited address (normalised); only an account signed in with it may accept.
    email: Mapped[str] = mapped_column(String(254))
    #: SHA-256 of the token in the link; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Draft(db.Model):
    """The next version of a course, being edited; one per course, shared by its instructors.

    Publishing checks and imports the draft's files as a new course version, then removes the
    draft; a later edit starts a fresh draft from the version then current.
    """

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), unique=True
    )
    #: The version the draft was copied from (None for a course never published).
    base_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    files: Mapped[list[DraftFile]] = relationship(
        back_populates="draft", cascade="all, delete-orphan", order_by="DraftFile.path"
    )


class DraftFile(db.Model):
    """One file of a draft. ``revision`` counts saves, so an editor that loaded revision 3 and
    saves after someone else's save (revision 4) is warned instead of overwriting it."""

    __tablename__ = "draft_files"
    __table_args__ = (UniqueConstraint("draft_id", "area", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    #: ``content`` or ``quizzes``, as in a course version's files.
    area: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(500))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    size: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    draft: Mapped[Draft] = relationship(back_populates="files")
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
