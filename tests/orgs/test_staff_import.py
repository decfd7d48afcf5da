"""The staff CSV: encodings, row errors by line, the plan, and idempotent import."""

from __future__ import annotations

import pytest

from course.accounts.models import User
from course.audit.models import AuditEvent
from course.db import utcnow
from course.extensions import db
from course.orgs import imports, service, staff_import, tasks
from course.orgs.models import Invitation, Membership, StaffImport, StaffImportRow

GOOD = (
    "name,email,employee_number,department,role\n"
    "张伟,zhangwei@example.com,E001,综合窗口,trainee\n"
    "Li Na,lina@example.com,E002,社保专窗,instructor\n"
)


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"], ids=["utf8", "bom", "gbk", "gb18030"]
)
def test_reads_utf8_bom_and_gbk(encoding):
    rows, errors = staff_import.parse(GOOD.encode(encoding))
    assert errors == []
    assert [(r.line, r.name, r.department) for r in rows] == [
        (2, "张伟", "综合窗口"),
        (3, "Li Na", "社保专窗"),
    ]


def test_chinese_headers_and_roles():
    data = "姓名,邮箱,工号,部门,角色\n王芳,wf@example.com,7,前台,讲师\n".encode("gbk")
    rows, errors = staff_import.parse(data)
    assert errors == [] and rows[0].role == "instructor" and rows[0].employee_number == "7"


def test_bad_rows_are_named_by_line():
    data = (
        GOOD + "No Email,,E003,x,trainee\n"
        "Bad Role,br@example.com,E004,x,boss\n"
        "Again,zhangwei@example.com,E005,x,trainee\n"
    ).encode()
    rows, errors = staff_import.parse(data)
    assert len(rows) == 2
    assert [e.line for e in errors] == [4, 5, 6]
    assert "valid email" in errors[0].message
    assert "unknown role" in errors[1].message
    assert "line 2" in errors[2].message


def test_missing_columns_and_empty_file():
    assert staff_import.parse(b"")[1][0].message == "The file is empty."
    assert "email" in staff_import.parse(b"name\nx\n")[1][0].message


def _run(admin, org, data: bytes, confirm: bool = True) -> StaffImport:
    """Upload, preview and (when clean and asked) import, as the jobs do."""
    job = imports.start(db.session, admin, org, staff_import.read_table(data), "s.csv", utcnow())
    db.session.commit()
    tasks.preview_staff_import_task(job.id)
    job = db.session.get(StaffImport, job.id)
    if confirm and job.state == "previewed":
        job.state = "importing"
        db.session.commit()
        tasks.apply_staff_import_task(job.id)
        job = db.session.get(StaffImport, job.id)
    return job


def _actions(job: StaffImport) -> list[tuple[str, str]]:
    rows = db.session.scalars(
        db.select(StaffImportRow).filter_by(import_id=job.id).order_by(StaffImportRow.line)
    )
    return [(row.action, row.detail) for row in rows]


def test_import_applies_a_clean_file_and_is_idempotent(app, create_org, create_user):
    admin = create_user()
    existing = create_user(email="lina@example.com")
    org = create_org()
    job = _run(admin, org, GOOD.encode())
    assert job.state == "done" and job.rows_key is None
    assert _actions(job) == [("create", ""), ("invite", "")]
    assert job.to_mail == job.mailed == 2  # a welcome link and an invitation
    created = db.session.scalar(db.select(User).filter_by(email="zhangwei@example.com"))
    assert created.password_hash is None and created.display_name == "张伟"
    # The existing account is invited, not added: it joins when its holder accepts.
    invitation = db.session.scalar(db.select(Invitation).filter_by(email=existing.email))
    assert (invitation.role, invitation.department) == ("instructor", "社保专窗")
    roles = dict(
        db.session.execute(
            db.select(Membership.user_id, Membership.role).filter_by(organisation_id=org.id)
        ).all()
    )
    assert existing.id not in roles and roles[created.id] == "trainee"
    service.accept_invitation(db.session, invitation, existing, utcnow())
    db.session.commit()
    member = db.session.scalar(db.select(Membership).filter_by(user_id=existing.id))
    assert (member.role, member.employee_number, member.department) == (
        "instructor",
        "E002",
        "社保专窗",
    )
    # The batched writes land in the audit trail, attributed to the admin who imported.
    events = db.session.execute(
        db.select(AuditEvent.action, AuditEvent.subject_user_id, AuditEvent.actor_id)
    ).all()
    assert ("account.create", created.id, admin.id) in events
    assert ("membership.add", created.id, admin.id) in events
    assert any(action == "staff_import.confirm" for action, _, _ in events)

    again = _run(admin, org, GOOD.encode())
    assert _actions(again) == [("unchanged", ""), ("unchanged", "")]
    assert again.to_mail == 0

    changed = _run(admin, org, GOOD.replace("综合窗口", "导办台").encode(), confirm=False)
    assert _actions(changed) == [("update", "department"), ("unchanged", "")]
    assert changed.state == "previewed"


def test_a_file_with_errors_imports_nothing(app, create_org, create_user):
    admin, org = create_user(), create_org()
    job = _run(admin, org, (GOOD + "Broken,not-an-email,1,x,trainee\n").encode())
    assert job.state == "invalid" and job.counts["error"] == 1
    assert _actions(job)[-1][0] == "error" and "not-an-email" in _actions(job)[-1][1]
    with pytest.raises(imports.ImportFailed):
        imports.apply(db.session, job, utcnow(), lambda done: None)
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 0


def test_a_row_that_changed_since_the_preview_fails_the_whole_import_by_line(
    app, create_org, create_user
):
    admin, org = create_user(), create_org()
    data = "name,email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(1200))
    job = _run(admin, org, data.encode(), confirm=False)
    assert job.state == "previewed" and job.counts["create"] == 1200
    create_user(email="p1100@example.com")  # registers between preview and import
    job.state = "importing"
    db.session.commit()
    assert tasks.apply_staff_import_task.call_local(job.id) == 0
    job = db.session.get(StaffImport, job.id)
    assert job.state == "failed" and job.failure_line == 1102
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 2


def test_rows_go_in_with_batched_statements(app, create_org, create_user):
    """Statements for importing do not grow with the rows: 2,000 rows, a few dozen inserts."""
    from sqlalchemy import event

    admin, org = create_user(), create_org()
    data = "name,email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(2000))
    job = _run(admin, org, data.encode(), confirm=False)
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        job.state = "importing"
        db.session.commit()
        tasks.apply_staff_import_task(job.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert db.session.get(StaffImport, job.id).state == "done"
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 2000
    writes = [s for s in statements if s in ("INSERT", "UPDATE")]
    assert len(writes) < 60, len(writes)
    assert len(statements) < 120, len(statements)  # reads are batched too


def test_welcome_mail_names_the_organisation_and_when_the_link_expires(
    app, create_org, create_user
):
    from datetime import timedelta

    from tests.conftest import outbox

    org = create_org(name={"zh-CN": "市民服务中心", "en": "Citizen Service Centre"})
    before = utcnow()
    job = _run(create_user(), org, GOOD.encode())
    [mail] = [m for m in outbox() if m["To"] == "zhangwei@example.com"]
    days = app.config["WELCOME_LINK_DAYS"]
    expires = {before + timedelta(days=days), utcnow() + timedelta(days=days)}
    body = mail.get_content()
    assert "市民服务中心" in mail["Subject"] and "市民服务中心" in body
    assert any(f"{d.year}年{d.month}月{d.day}日" in body for d in expires), body
    assert f"{days} 天" in body and "/welcome/" in body

    created = db.session.scalar(db.select(User).filter_by(email="zhangwei@example.com"))
    created.locale = "en"
    db.session.commit()
    tasks.send_welcome_links_task(job.id, [created.id])
    english = outbox()[-1]
    body = english.get_content()
    assert "Citizen Service Centre" in english["Subject"] and "Citizen Service Centre" in body
    assert any(f"{d:%B} {d.day}, {d.year}" in body for d in expires), body
    assert f"in {days} days" in body
