"""One session listener that turns changes to standing-bearing records into audit events.

It runs after each flush, when new rows have their ids and every attribute still knows its old
value, and appends the events with one INSERT on the flush's own connection: they commit or roll
back with the change they describe. Connected once by ``create_app`` (:func:`connect`).
"""

from __future__ import annotations

from sqlalchemy import event, insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import get_history

from course.audit.models import AuditEvent
from course.audit.service import event_row

_connected = False


def _changed(obj, name: str) -> tuple[object, object] | None:
    """``(old, new)`` when the attribute changed in this flush."""
    history = get_history(obj, name)
    if not history.has_changes():
        return None
    old = history.deleted[0] if history.deleted else None
    new = history.added[0] if history.added else None
    return (old, new) if old != new else None


def _text(value) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _membership(obj, state: str) -> list[dict]:
    common = {
        "organisation_id": obj.organisation_id,
        "subject_user_id": obj.user_id,
        "target": ("membership", obj.id),
    }
    if state == "new":
        return [event_row("membership.add", details={"role": obj.role}, **common)]
    if state == "deleted":
        return [event_row("membership.remove", details={"role": obj.role}, **common)]
    rows = []
    if role := _changed(obj, "role"):
        rows.append(
            event_row("membership.role", details={"from": role[0], "to": role[1]}, **common)
        )
    if hasattr(obj, "deactivated_at") and (change := _changed(obj, "deactivated_at")):
        action = "membership.deactivate" if change[1] else "membership.reactivate"
        rows.append(event_row(action, **common))
    return rows


def _invitation(obj, state: str) -> list[dict]:
    common = {"organisation_id": obj.organisation_id, "target": ("invitation", obj.id)}
    if state == "new":
        details = {"email": obj.email, "role": obj.role}
        return [event_row("invitation.create", details=details, **common)]
    if state == "dirty" and (change := _changed(obj, "accepted_at")) and change[1]:
        return [event_row("invitation.accept", details={"role": obj.role}, **common)]
    return []


def _user(obj, state: str) -> list[dict]:
    common = {"subject_user_id": obj.id, "target": ("user", obj.id)}
    if state == "new":
        return [event_row("account.create", **common)]
    if state != "dirty":
        return []
    rows = []
    if _changed(obj, "password_hash") and get_history(obj, "password_hash").deleted:
        rows.append(event_row("account.password", **common))
    if change := _changed(obj, "is_platform_admin"):
        rows.append(event_row("account.platform_admin", details={"to": bool(change[1])}, **common))
    if hasattr(obj, "deactivated_at") and (change := _changed(obj, "deactivated_at")):
        action = "account.deactivate" if change[1] else "account.reactivate"
        rows.append(event_row(action, **common))
    if hasattr(obj, "deleted_at") and (change := _changed(obj, "deleted_at")) and change[1]:
        rows.append(event_row("account.delete", **common))
    return rows


ORG_FIELDS = (
    "name",
    "logo_key",
    "seal_key",
    "signature_key",
    "signatory_name",
    "signatory_title",
    "self_registration",
    "timezone",
    "lrs_endpoint",
)


def _organisation(obj, state: str) -> list[dict]:
    common = {"organisation_id": obj.id, "target": ("organisation", obj.id)}
    if state == "new":
        return [event_row("org.create", details={"slug": obj.slug}, **common)]
    if state != "dirty":
        return []
    fields = [name for name in ORG_FIELDS if hasattr(obj, name) and _changed(obj, name)]
    return [event_row("org.settings", details={"changed": fields}, **common)] if fields else []


def _certificate_settings(obj, state: str) -> list[dict]:
    fields = [name for name in ("template", "auto_issue") if state == "new" or _changed(obj, name)]
    if state == "deleted" or not fields:
        return []
    details = {"changed": ["certificate." + name for name in fields]}
    return [event_row("org.settings", organisation_id=obj.organisation_id, details=details)]


def _signing_key(obj, state: str) -> list[dict]:
    common = {"organisation_id": obj.organisation_id, "target": ("signing_key", obj.id)}
    if state == "new":
        return [event_row("key.create", details={"kid": obj.kid}, **common)]
    if state == "dirty" and (change := _changed(obj, "retired_at")) and change[1]:
        return [event_row("key.retire", details={"kid": obj.kid}, **common)]
    return []


def _certificate(obj, state: str) -> list[dict]:
    common = {
        "organisation_id": obj.organisation_id,
        "subject_user_id": obj.user_id,
        "target": ("certificate", obj.id),
    }
    if state == "new":
        action = (
            "certificate.reissue"
            if obj.replaces_id
            else "certificate.override"
            if obj.override_reason
            else "certificate.issue"
        )
        details = {"serial": obj.serial, "course_id": obj.course_id}
        if obj.override_reason:
            details["reason"] = obj.override_reason
        return [event_row(action, details=details, **common)]
    if state != "dirty":
        return []
    rows = []
    if (change := _changed(obj, "status")) and change[1] == "revoked":
        details = {"serial": obj.serial}
        for name in ("revocation_reason", "revocation_note"):
            if getattr(obj, name, None):
                details[name.removeprefix("revocation_")] = getattr(obj, name)
        rows.append(event_row("certificate.revoke", details=details, **common))
    if change := _changed(obj, "public"):
        rows.append(
            event_row("certificate.visibility", details={"public": bool(change[1])}, **common)
        )
    return rows


def _course_version(obj, state: str) -> list[dict]:
    if state != "new":
        return []
    details = {"course_id": obj.course_id, "number": obj.number}
    return [event_row("course.publish", target=("course", obj.course_id), details=details)]


def _assignment(obj, state: str) -> list[dict]:
    if state != "new":
        return []
    cohort = obj.cohort
    details = {
        "course": obj.course_slug,
        "cohort_id": obj.cohort_id,
        "due_at": _text(obj.due_at),
    }
    org_id = cohort.organisation_id if cohort is not None else None
    return [
        event_row(
            "assignment.create",
            organisation_id=org_id,
            target=("assignment", obj.id),
            details=details,
        )
    ]


def _handlers() -> dict[type, object]:
    from course.accounts.models import User
    from course.catalog.models import CourseVersion
    from course.certificates.models import Certificate, CertificateSettings, SigningKey
    from course.orgs.models import Assignment, Invitation, Membership, Organisation

    return {
        Membership: _membership,
        Invitation: _invitation,
        User: _user,
        Organisation: _organisation,
        CertificateSettings: _certificate_settings,
        SigningKey: _signing_key,
        Certificate: _certificate,
        CourseVersion: _course_version,
        Assignment: _assignment,
    }


_HANDLERS: dict[type, object] = {}


def _after_flush(session: Session, _context) -> None:
    rows: list[dict] = []
    for state, objects in (
        ("new", session.new),
        ("dirty", session.dirty),
        ("deleted", session.deleted),
    ):
        for obj in objects:
            handler = _HANDLERS.get(type(obj))
            if handler is not None:
                rows.extend(handler(obj, state))
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def connect() -> None:
    """Listen to every session (once per process)."""
    global _connected
    if _connected:
        return
    _HANDLERS.update(_handlers())
    event.listen(Session, "after_flush", _after_flush)
    _connected = True
