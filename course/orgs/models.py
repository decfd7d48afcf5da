"""Organisations, their members, cohorts, invitations and course assignments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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
    #: Set when an org admin deactivates the member: no role in this organisation, assignments
    #: stop counting, records kept. Cleared when reactivated.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Invitation(db.Model):
    """An emailed link to join an organisation with a role; used once."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
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


class StaffImport(db.Model):
    """One uploaded staff list on its way in: parsed in the request, previewed and imported by
    background jobs. The page polls this row, so progress survives a reload and any node can
    show it."""

    __tablename__ = "staff_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    #: ``previewing``, ``previewed`` (clean), ``invalid`` (rows with errors), ``importing``,
    #: ``done`` or ``failed`` (nothing imported; ``failure`` says which row).
    state: Mapped[str] = mapped_column(String(16), default="previewing")
    #: Storage key of the parsed rows (JSON), written once by the upload request.
    rows_key: Mapped[str | None] = mapped_column(String(255))
    #: Rows in the file, and how many the running phase has handled.
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    #: ``{"create": n, "join": n, "update": n, "unchanged": n, "error": n}`` once previewed.
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Why a preview or import failed, and the line of the row at fault (None: not one row's).
    failure: Mapped[str | None] = mapped_column(Text)
    failure_line: Mapped[int | None] = mapped_column(Integer)
    #: Welcome links to send (new accounts) and sent so far.
    to_mail: Mapped[int] = mapped_column(Integer, default=0)
    mailed: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def running(self) -> bool:
        return self.state in ("previewing", "importing") or (
            self.state == "done" and self.mailed < self.to_mail
        )

    @property
    def percent(self) -> int:
        if self.state in ("previewed", "invalid", "failed"):
            return 100
        if self.state == "done":
            return round(100 * self.mailed / self.to_mail) if self.to_mail else 100
        return round(100 * self.done / self.total) if self.total else 0


class StaffImportRow(db.Model):
    """One previewed row of a staff import and what importing it will do."""

    __tablename__ = "staff_import_rows"
    __table_args__ = (
        Index("ix_staff_import_rows_import_action_line", "import_id", "action", "line"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("staff_imports.id", ondelete="CASCADE"))
    #: Line in the file (the header is line 1).
    line: Mapped[int] = mapped_column(Integer)
    #: ``create``, ``join``, ``update``, ``unchanged`` (see ``staff_import.RowPlan``) or ``error``.
    action: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    employee_number: Mapped[str] = mapped_column(String(64), default="")
    department: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(16), default="")
    #: Comma-separated changed fields for ``update``; the problem for ``error``.
    detail: Mapped[str] = mapped_column(Text, default="")
