"""The audit trail's one table. Rows are written once and never changed or deleted: the ORM
refuses updates and deletes, and database triggers refuse them on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from course.db import UTCDateTime
from course.extensions import db


class AuditEvent(db.Model):
    """One thing someone did. Ids are plain numbers, not foreign keys: the record outlives the
    rows it names (an anonymised person, a removed membership) and is never rewritten."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_org_time", "organisation_id", "created_at"),
        Index("ix_audit_events_action_time", "action", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: When it happened (UTC).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: Who did it; empty for the system (periodic jobs) and for people not signed in.
    actor_id: Mapped[int | None] = mapped_column(index=True)
    #: What was done, ``area.verb`` (``membership.add``, ``certificate.revoke``, ...).
    action: Mapped[str] = mapped_column(String(48))
    #: The organisation it concerns, when there is one (what an org admin may read).
    organisation_id: Mapped[int | None] = mapped_column()
    #: The person it was done to, when it concerns a person.
    subject_user_id: Mapped[int | None] = mapped_column(index=True)
    #: The record it changed: a table-like name and its id.
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column()
    #: Where from: the client's address, ``cli`` or ``job``.
    origin: Mapped[str] = mapped_column(String(64), default="")
    #: The request's or job's id, to find the matching log lines.
    request_id: Mapped[str | None] = mapped_column(String(64))
    #: What changed (old and new values, a reason, counts); never a password or a token.
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class AppendOnlyError(RuntimeError):
    """An attempt to change or remove an audit record."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(*_args):
    raise AppendOnlyError("audit records are never changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(*_args):
    raise AppendOnlyError("audit records are never deleted")


# The database refuses changes too, so no code path (raw SQL included) rewrites history.
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
)
for statement in SQLITE_TRIGGERS:
    event.listen(AuditEvent.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRES_TRIGGERS:
    event.listen(
        AuditEvent.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql")
    )
