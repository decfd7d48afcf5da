"""Organisations, their members, cohorts, invitations and course assignments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.accounts.models import User
from course.db import UTCDateTime, utcnow
from course.extensions import db

ROLES = ("org_admin", "instructor", "trainee")


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    #: Localised name: ``{"zh-CN": ..., "en": ...}``.
    name: Mapped[dict] = mapped_column(JSON)
    #: Storage keys of the branding images printed on certificates.
    logo_key: Mapped[str | None] = mapped_column(String(255))
    seal_key: Mapped[str | None] = mapped_column(String(255))
    signature_key: Mapped[str | None] = mapped_column(String(255))
    signatory_name: Mapped[str] = mapped_column(String(120), default="")
    #: Localised title of the signatory.
    signatory_title: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Whether people may join this organisation by themselves.
    self_registration: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation")


class Membership(db.Model):
    """A person's role in one organisation; a person may belong to several."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: ``org_admin``, ``instructor`` or ``trainee``.
    role: Mapped[str] = mapped_column(String(16))
    employee_number: Mapped[str] = mapped_column(String(64), default="")
    department: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Invitation(db.Model):
    """An emailed link to join an organisation with a role; used once, and only by the account
    of the invited address (nobody joins an organisation without their consent)."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: The invited address: only an account signed in with it may accept.
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    #: Membership details a staff import carries over when the invitation is accepted.
    employee_number: Mapped[str] = mapped_column(String(64), default="")
    department: Mapped[str] = mapped_column(String(120), default="")
    #: SHA-256 of the token in the link; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()


class Cohort(db.Model):
    """A named group of members, the unit courses are assigned to."""

    __tablename__ = "cohorts"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    members: Mapped[list[CohortMember]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )


class CohortMember(db.Model):
    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Assignment(db.Model):
    """A course assigned to a cohort, by the course's stable slug, with an optional due date."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("cohort_id", "course_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    course_slug: Mapped[str] = mapped_column(String(120), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="assignments")
