"""The audit trail: what is recorded, that it cannot be rewritten, and who may read it."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from course.audit import service as audit
from course.audit.models import AppendOnlyError, AuditEvent
from course.db import utcnow
from course.extensions import db


def _events(action=None) -> list[AuditEvent]:
    statement = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        statement = statement.where(AuditEvent.action == action)
    return list(db.session.scalars(statement))


@pytest.fixture
def people(create_user, create_org, add_member):
    org, other = create_org(slug="centre"), create_org(slug="hotel")
    admin = create_user(email="admin@centre.example")
    other_admin = create_user(email="admin@hotel.example")
    trainee = create_user(email="wang@centre.example", display_name="王小明")
    platform = create_user(email="root@example.com", is_platform_admin=True)
    add_member(admin, org, "org_admin")
    add_member(other_admin, other, "org_admin")
    add_member(trainee, org, "trainee")
    return org, other, admin, other_admin, trainee, platform


def test_membership_changes_are_recorded_with_who_and_where(client, login, people):
    org, _other, admin, _oa, trainee, _p = people
    added = _events("membership.add")
    assert {(e.organisation_id, e.subject_user_id) for e in added} >= {(org.id, trainee.id)}

    # An org admin changes a role through the service inside a request: actor and address known.
    from course.orgs.service import add_member

    login(admin)
    with client:
        client.get("/")  # a request context with the admin signed in
        from flask_login import current_user

        assert current_user.id == admin.id
        add_member(db.session, org, trainee, "instructor", utcnow())
        db.session.commit()
    (change,) = _events("membership.role")
    assert change.actor_id == admin.id
    assert change.subject_user_id == trainee.id
    assert change.organisation_id == org.id
    assert change.details == {"from": "trainee", "to": "instructor"}
    assert change.origin == "127.0.0.1"


def test_sign_ins_and_failures_are_recorded(client, people):
    *_rest, trainee, _p = people
    client.post("/login", data={"email": trainee.email, "password": "wrong-password-1"})
    client.post("/login", data={"email": "nobody@example.com", "password": "whatever-123"})
    failures = _events("sign_in.failure")
    assert [e.subject_user_id for e in failures] == [trainee.id, None]
    assert failures[1].details == {"email": "nobody@example.com"}
    assert all("password" not in str(e.details) for e in failures)
    client.post("/login", data={"email": trainee.email, "password": "correct-horse-battery"})
    (success,) = _events("sign_in.success")
    assert success.actor_id == trainee.id and success.origin == "127.0.0.1"
    assert success.request_id and len(success.request_id) == 32


def test_records_cannot_be_changed_or_deleted(app, people):
    event = _events()[0]
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AppendOnlyError):
        db.session.delete(_events()[0])
        db.session.flush()
    db.session.rollback()
    # Below the ORM, the database itself refuses.
    for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert all(e.action != "forged" for e in _events())


def test_org_admins_read_their_organisation_only(client, login, people):
    org, other, admin, other_admin, trainee, platform = people
    login(admin)
    page = client.get(f"/orgs/{org.slug}/audit")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "wang@centre.example" in body
    assert "admin@hotel.example" not in body
    assert client.get(f"/orgs/{other.slug}/audit").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    client.post("/logout")
    login(trainee)
    assert client.get(f"/orgs/{org.slug}/audit").status_code == 403
    client.post("/logout")
    login(platform)
    body = client.get("/admin/audit").get_data(as_text=True)
    assert "admin@hotel.example" in body and "wang@centre.example" in body


def test_filters_by_person_action_and_dates(client, login, people):
    org, _other, admin, _oa, trainee, platform = people
    login(platform)
    body = client.get("/admin/audit?person=王小明&action=membership.add").get_data(as_text=True)
    assert "wang@centre.example" in body and "admin@centre.example" not in body
    today = utcnow().date().isoformat()
    assert "wang@centre.example" in client.get(
        f"/admin/audit?since={today}&until={today}"
    ).get_data(as_text=True)
    assert "No records match" in client.get(
        "/admin/audit?since=2001-01-01&until=2001-01-02"
    ).get_data(as_text=True)
    assert client.get("/admin/audit?since=yesterday").status_code == 400
    assert client.get("/admin/audit?action=drop.tables").status_code == 400


def test_exports_as_csv_and_xlsx_and_the_export_is_recorded(client, login, people):
    org, _other, admin, *_rest = people
    login(admin)
    response = client.get(f"/orgs/{org.slug}/audit?export=csv&action=membership.add")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["time_utc", "action", "actor", "subject"]
    assert {row[3] for row in rows[1:]} >= {"wang@centre.example", "admin@centre.example"}
    assert {row[1] for row in rows[1:]} == {"membership.add"}
    response = client.get(f"/orgs/{org.slug}/audit?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [cell.value for cell in next(sheet.iter_rows())][:2] == ["time_utc", "action"]
    exports = _events("export.audit")
    assert len(exports) == 2 and exports[0].actor_id == admin.id


def test_record_keeps_work_and_event_in_one_transaction(app, people):
    org, *_rest = people
    before = len(_events())
    audit.record(db.session, "org.settings", organisation_id=org.id, details={"changed": ["x"]})
    db.session.rollback()
    assert len(_events()) == before


def test_a_staff_import_is_recorded_with_each_membership(app, create_org, create_user):
    from tests.orgs.test_staff_import import GOOD, _run

    admin = create_user()
    org = create_org()
    job = _run(admin, org, GOOD.encode())
    assert job.state == "done"
    (summary,) = _events("staff_import.confirm")
    assert summary.actor_id == admin.id and summary.organisation_id == org.id
    assert summary.target_type == "staff_import" and summary.target_id == job.id
    added = [e for e in _events("membership.add") if e.organisation_id == org.id]
    assert len(added) == 2 and all(e.actor_id == admin.id for e in added)
    assert all(e.details["via"] == f"staff_import:{job.id}" for e in added)
