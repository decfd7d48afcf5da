"""Certificates, the keys that sign them, each organisation's settings, audits and bulk jobs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.accounts.models import User
from course.certificates.status import position
from course.db import UTCDateTime
from course.extensions import db
from course.orgs.models import Organisation

#: A certificate's stored status; "expired" is never stored, it is read from ``valid_until``.
STATUSES = ("valid", "revoked", "superseded")
#: The public reasons a revocation may give (shown on the verification page), in English for the
#: JSON API; the pages translate them. Details stay in the internal ``revocation_note``.
REVOCATION_REASONS = {
    "issued_in_error": "Issued in error",
    "requirements_not_met": "The requirements were not met",
    "misconduct": "Breach of the assessment rules",
    "withdrawn_by_holder": "Withdrawn at the holder's request",
    "other": "Other reasons",
}


class SigningKey(db.Model):
    """An organisation's Ed25519 key pair; the newest unretired one signs, all of them verify."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    #: RFC 7638 thumbprint of the public key; the ``kid`` in every JWT it signs.
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    #: The public key as a JWK (published).
    public_jwk: Mapped[dict] = mapped_column(JSON)
    #: The private key, AES-GCM sealed under a key derived from the app's secret key.
    sealed_private_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set on rotation: the key stops signing but keeps verifying what it signed.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CertificateSettings(db.Model):
    """An organisation's certificate choices: template and whether completion issues one."""

    __tablename__ = "certificate_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    #: A folder under ``certificates/``; None uses the course's own choice.
    template: Mapped[str | None] = mapped_column(String(64))
    auto_issue: Mapped[bool] = mapped_column(Boolean, default=True)


class Certificate(db.Model):
    """One issued certificate; re-issuing makes a new row that ``replaces`` the old one."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("organisation_id", "status_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Human-readable, printed: ``STC-2026-000123``.
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    #: Unguessable verification code (the QR target), ~128 bits.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: The credential's ``id`` (``urn:uuid:...``); how an uploaded file finds its record.
    credential_id: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    #: The ``CourseCompletion`` it certifies (None when issued by override).
    completion_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_completions.id", ondelete="SET NULL")
    )
    template: Mapped[str] = mapped_column(String(64))
    #: Copied at issue time so the record states exactly what was certified.
    recipient_name: Mapped[str] = mapped_column(String(120))
    course_title: Mapped[dict] = mapped_column(JSON)
    hours: Mapped[float] = mapped_column(default=0)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    final_score: Mapped[float | None] = mapped_column()
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: ``valid``, ``revoked`` or ``superseded`` (by a re-issue or a renewal).
    status: Mapped[str] = mapped_column(String(16), default="valid")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A key of ``REVOCATION_REASONS``: the only reason published.
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    #: What staff wrote about the revocation; never shown outside the issuing organisation.
    revocation_note: Mapped[str | None] = mapped_column(Text)
    #: Position in the organisation's revocation status list.
    status_index: Mapped[int] = mapped_column(Integer)
    #: Whether the holder lets it appear in public listings (it stays reachable by code). Off
    #: until the holder opts in.
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The signed credential (compact VC-JWT) and the key that signed it.
    token: Mapped[str] = mapped_column(Text)
    kid: Mapped[str] = mapped_column(String(64))
    #: Storage key of the rendered PDF (None until rendered).
    pdf_key: Mapped[str | None] = mapped_column(String(255))
    #: SHA-256 (hex) of the PDF stored under ``pdf_key``: an uploaded PDF must match it byte
    #: for byte. Rendering is deterministic, so rendering again from the same inputs keeps it.
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL")
    )
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Written reason when issued without a recorded completion.
    override_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    replaces: Mapped[Certificate | None] = relationship(remote_side=[id])

    @property
    def status_list_number(self) -> int:
        """Which of the organisation's status lists holds this certificate (from 1)."""
        return position(self.status_index)[0]

    def state(self, now: datetime) -> str:
        """``valid``, ``expired``, ``revoked`` or ``superseded`` at ``now``."""
        if self.status == "valid" and self.valid_until is not None and now >= self.valid_until:
            return "expired"
        return self.status


class CertificateAudit(db.Model):
    """Who issued by override, re-issued or revoked what, when and why."""

    __tablename__ = "certificate_audits"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: ``override``, ``reissue``, ``revoke``, ``rotate-key``.
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BulkIssue(db.Model):
    """Issuing for a cohort in the background: progress, failures, and the ZIP at the end."""

    __tablename__ = "certificate_bulk_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: ``queued``, ``issuing``, ``rendering``, ``packaging``, ``done`` or ``failed``.
    state: Mapped[str] = mapped_column(String(16), default="queued")
    #: Whether trainees who already hold a valid certificate get a new one (off by default).
    reissue: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    #: Unused since per-trainee outcomes moved to ``BulkIssueItem``; kept for old rows.
    failures: Mapped[list] = mapped_column(JSON, default=list)
    zip_key: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


#: What bulk issuing did for one trainee. ``pending``: not looked at yet; ``rendering``: issued,
#: PDF not stored yet; ``issued``: issued and its PDF stored; ``already``: held a valid
#: certificate (and no re-issue was asked for); ``ineligible``: no recorded completion;
#: ``failed``: could not be issued or rendered (``error`` says why).
BULK_OUTCOMES = ("pending", "rendering", "issued", "already", "ineligible", "failed")
BULK_FINISHED = ("issued", "already", "ineligible", "failed")


class BulkIssueItem(db.Model):
    """One trainee of a bulk issue: its own row, so parallel render jobs never share one."""

    __tablename__ = "certificate_bulk_items"
    __table_args__ = (UniqueConstraint("bulk_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulk_id: Mapped[int] = mapped_column(
        ForeignKey("certificate_bulk_issues.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: The trainee's name when the run began (the report reads without joining users).
    name: Mapped[str] = mapped_column(String(120))
    #: One of ``BULK_OUTCOMES``.
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL")
    )
    error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
