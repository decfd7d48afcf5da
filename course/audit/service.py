"""Recording and reading the audit trail.

Two ways in, one table:

- **Changes to records** that alter someone's standing are recorded by one listener on the
  database session (:mod:`course.audit.listeners`): memberships, roles, invitations, accounts,
  passwords, organisation and certificate settings, signing keys, certificates, published
  course versions, assignments. No service has to remember to call anything, so a new code path
  that changes a membership is audited too.
- **Events that change no record** (a sign-in, a failed sign-in, an export, a staff import's
  summary) call :func:`record` where they happen.

Who and from where come from the *origin* of the work: the web layer registers a provider that
reads the signed-in user, the client's address and the request id; commands and jobs say
``acting_as(...)``. Services keep taking the actor as an argument; the trail does not need it.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, insert, or_, select
from sqlalchemy.orm import Session

from course.audit.models import AuditEvent
from course.db import utcnow


@dataclass(frozen=True)
class Origin:
    """Who is acting and from where."""

    actor_id: int | None = None
    address: str = "system"
    request_id: str | None = None


_acting: contextvars.ContextVar[Origin | None] = contextvars.ContextVar(
    "audit_origin", default=None
)
_provider: Callable[[], Origin | None] | None = None

#: Every action the trail records, for the filters (labels are translated in the views).
ACTIONS = (
    "sign_in.success",
    "sign_in.failure",
    "sign_out",
    "account.create",
    "account.password",
    "account.platform_admin",
    "account.deactivate",
    "account.reactivate",
    "account.delete",
    "account.data_export",
    "membership.add",
    "membership.role",
    "membership.deactivate",
    "membership.reactivate",
    "membership.remove",
    "invitation.create",
    "invitation.accept",
    "staff_import.confirm",
    "assignment.create",
    "org.create",
    "org.settings",
    "course.publish",
    "certificate.issue",
    "certificate.override",
    "certificate.reissue",
    "certificate.revoke",
    "certificate.visibility",
    "key.create",
    "key.retire",
    "export.report",
    "export.audit",
    "notification.sent",
)


def set_origin_provider(provider: Callable[[], Origin | None] | None) -> None:
    """The web layer's way to say who is acting in the current request."""
    global _provider
    _provider = provider


@contextlib.contextmanager
def acting_as(actor_id: int | None, address: str) -> Iterator[None]:
    """Commands and jobs: attribute what happens inside to ``actor_id`` from ``address``."""
    token = _acting.set(Origin(actor_id, address))
    try:
        yield
    finally:
        _acting.reset(token)


def current_origin() -> Origin:
    acting = _acting.get()
    if acting is not None:
        return acting
    if _provider is not None:
        provided = _provider()
        if provided is not None:
            return provided
    return Origin()


def event_row(
    action: str,
    *,
    organisation_id: int | None = None,
    subject_user_id: int | None = None,
    target: tuple[str, int | None] | None = None,
    details: dict | None = None,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """The column values of one event, the origin filled in."""
    origin = current_origin()
    return {
        "created_at": now or utcnow(),
        "actor_id": actor_id if actor_id is not None else origin.actor_id,
        "action": action,
        "organisation_id": organisation_id,
        "subject_user_id": subject_user_id,
        "target_type": target[0] if target else None,
        "target_id": target[1] if target else None,
        "origin": (origin.address or "")[:64],
        "request_id": origin.request_id,
        "details": details or {},
    }


def record(session: Session, action: str, **fields) -> None:
    """Append one event in the session's transaction (it commits or rolls back with the work)."""
    session.execute(insert(AuditEvent), [event_row(action, **fields)])


def record_now(session_factory: Callable[[], Session], action: str, **fields) -> None:
    """Append one event in its own transaction, for events whose request writes nothing else
    (a failed sign-in must be kept even though the request changes no record)."""
    session = session_factory()
    try:
        record(session, action, **fields)
        session.commit()
    finally:
        session.close()


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Filters:
    person: str = ""
    action: str = ""
    since: datetime | None = None
    until: datetime | None = None


def query(organisation_id: int | None, filters: Filters) -> Select:
    """Events, newest first; ``organisation_id`` None means every event (platform admins)."""
    from course.accounts.models import User

    statement = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if organisation_id is not None:
        statement = statement.where(AuditEvent.organisation_id == organisation_id)
    if filters.action:
        if filters.action.endswith("."):
            statement = statement.where(AuditEvent.action.startswith(filters.action))
        else:
            statement = statement.where(AuditEvent.action == filters.action)
    if filters.since:
        statement = statement.where(AuditEvent.created_at >= filters.since)
    if filters.until:
        statement = statement.where(AuditEvent.created_at < filters.until)
    if filters.person.strip():
        needle = f"%{filters.person.strip().lower()}%"
        people = select(User.id).where(
            or_(func.lower(User.email).like(needle), func.lower(User.display_name).like(needle))
        )
        statement = statement.where(
            or_(AuditEvent.actor_id.in_(people), AuditEvent.subject_user_id.in_(people))
        )
    return statement


def page(
    session: Session, organisation_id: int | None, filters: Filters, number: int, size: int = 50
) -> tuple[list[AuditEvent], int]:
    """One page of events and the total count (counted in SQL)."""
    statement = query(organisation_id, filters)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.scalars(statement.limit(size).offset(max(number - 1, 0) * size)).all()
    return list(rows), int(total or 0)


def people_of(session: Session, events: list[AuditEvent]) -> dict[int, object]:
    """The users an event list names, in one query."""
    from course.accounts.models import User

    ids = {e.actor_id for e in events} | {e.subject_user_id for e in events}
    ids.discard(None)
    if not ids:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))}


def stream(
    session: Session, organisation_id: int | None, filters: Filters, batch: int = 1000
) -> Iterator[Any]:
    """Every matching event with its people's e-mails, in batches (exports)."""
    from sqlalchemy.orm import aliased

    from course.accounts.models import User

    actor, subject = aliased(User), aliased(User)
    statement = (
        query(organisation_id, filters)
        .add_columns(actor.email, subject.email)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(subject, and_(subject.id == AuditEvent.subject_user_id))
        .execution_options(yield_per=batch)
    )
    yield from session.execute(statement)
