"""Certificate and key actions land in the one audit trail, with the organisation and person."""

from __future__ import annotations

from sqlalchemy import select

from course.audit.models import AuditEvent
from course.certificates import service
from course.extensions import db
from tests.certificates.conftest import NOW, complete


def _actions(org_id):
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.organisation_id == org_id).order_by(AuditEvent.id)
    )
    return [(e.action, e.subject_user_id) for e in rows]


def test_issue_override_revoke_and_key_rotation_are_recorded(world):
    complete(world.trainee, world.course)
    issued = service.issue_certificate(
        db.session, world.admin, world.trainee, world.course, world.org, NOW, world.config
    )
    service.issue_certificate(
        db.session, world.admin, world.other_trainee, world.course, world.org, NOW, world.config,
        override_reason="Completed the paper course in 2025",
    )  # fmt: skip
    db.session.commit()
    service.revoke_certificate(db.session, world.admin, issued, "Issued in error", NOW)
    service.rotate_key(db.session, world.admin, world.org, world.config, NOW)
    db.session.commit()
    actions = _actions(world.org.id)
    assert ("certificate.issue", world.trainee.id) in actions
    assert ("certificate.override", world.other_trainee.id) in actions
    assert ("certificate.revoke", world.trainee.id) in actions
    assert ("key.retire", None) in actions and actions.count(("key.create", None)) >= 2
    override = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "certificate.override")
    )
    assert override.details["reason"] == "Completed the paper course in 2025"
