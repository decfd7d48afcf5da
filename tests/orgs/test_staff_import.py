"""The staff CSV: encodings, row errors by line, the plan, and idempotent import."""

from __future__ import annotations

import pytest

from course.db import utcnow
from course.extensions import db
from course.orgs import service, staff_import
from course.orgs.models import Membership

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


def test_import_applies_a_clean_file_and_is_idempotent(app, create_org, create_user):
    admin = create_user()
    existing = create_user(email="lina@example.com")
    org = create_org()
    plan, created, invited = service.apply_staff_import(
        db.session, admin, org, GOOD.encode(), utcnow()
    )
    db.session.commit()
    assert [p.action for p in plan.rows] == ["create", "invite"]
    assert [u.email for u in created] == ["zhangwei@example.com"]
    # The existing account is invited, not added: it joins when its holder accepts.
    assert [(i.email, i.role, i.department) for i, _token in invited] == [
        ("lina@example.com", "instructor", "社保专窗")
    ]
    roles = dict(
        db.session.execute(
            db.select(Membership.user_id, Membership.role).filter_by(organisation_id=org.id)
        ).all()
    )
    assert existing.id not in roles
    service.accept_invitation(db.session, invited[0][0], existing, utcnow())
    db.session.commit()
    member = db.session.scalar(db.select(Membership).filter_by(user_id=existing.id))
    assert (member.role, member.employee_number, member.department) == (
        "instructor",
        "E002",
        "社保专窗",
    )

    again, created_again, invited_again = service.apply_staff_import(
        db.session, admin, org, GOOD.encode(), utcnow()
    )
    assert [p.action for p in again.rows] == ["unchanged", "unchanged"]
    assert created_again == [] and invited_again == []

    changed = GOOD.replace("综合窗口", "导办台").encode()
    plan = service.plan_staff_import(db.session, org, changed)
    assert [(p.action, p.changes) for p in plan.rows] == [
        ("update", ["department"]),
        ("unchanged", []),
    ]


def test_a_file_with_errors_imports_nothing(app, create_org, create_user):
    admin, org = create_user(), create_org()
    data = (GOOD + "Broken,not-an-email,1,x,trainee\n").encode()
    with pytest.raises(service.OrgError):
        service.apply_staff_import(db.session, admin, org, data, utcnow())
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 0
