"""An org admin issues for a cohort and revokes, confirming each step, in Chromium: the confirm
pages, the per-trainee report (no green success when nobody was eligible), at desktop and phone
sizes, with axe finding nothing serious."""

from __future__ import annotations

import re

import pytest

from course.db import utcnow

from .test_certificate_journey import FIXTURE

PASSWORD = "a-long-password"


def _set_up():
    from course.accounts.service import create_user
    from course.catalog.models import Course, CourseVersion, is_current_version
    from course.catalog.service import import_package
    from course.extensions import db
    from course.orgs.models import Cohort, CohortMember
    from course.orgs.service import add_member, create_organisation
    from course.progress.models import CourseCompletion

    assert import_package(db.session, None, FIXTURE, utcnow()).ok
    org = create_organisation(
        db.session, "city-centre", {"zh-CN": "示例市政务服务中心", "en": "City Centre"}, utcnow()
    )
    admin = create_user(db.session, "admin@example.com", PASSWORD, "管理员", utcnow())
    add_member(db.session, org, admin, "org_admin", utcnow())
    course = db.session.query(Course).one()
    version = db.session.query(CourseVersion).where(is_current_version(course)).one()
    done = Cohort(organisation_id=org.id, name="前台一组")
    fresh = Cohort(organisation_id=org.id, name="新员工")
    db.session.add_all([done, fresh])
    db.session.flush()
    for n, name in enumerate(["王小明", "李华"]):
        user = create_user(db.session, f"t{n}@example.com", PASSWORD, name, utcnow())
        add_member(db.session, org, user, "trainee", utcnow())
        db.session.add(CohortMember(cohort_id=done.id, user_id=user.id))
        db.session.add(CourseCompletion(user_id=user.id, course_id=course.id,
                                        version_id=version.id, completed_at=utcnow()))  # fmt: skip
    newcomer = create_user(db.session, "new@example.com", PASSWORD, "张新", utcnow())
    add_member(db.session, org, newcomer, "trainee", utcnow())
    db.session.add(CohortMember(cohort_id=fresh.id, user_id=newcomer.id))
    db.session.commit()


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_bulk_issue_and_revoke_ask_first_and_report(live_server, page, axe, in_app, viewport):
    in_app(_set_up)
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    base = live_server.url
    page.goto(base + "/login")
    page.locator("#email").fill("admin@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))

    page.goto(base + "/orgs/city-centre/certificates")
    page.locator("#bulk-cohort_id").select_option(label="新员工")
    page.locator("form[action$='/certificates/bulk'] button[type=submit]").click()
    assert page.get_by_text("因此无需颁发").is_visible()  # nothing to issue: no button
    assert axe(page) == []

    page.goto(base + "/orgs/city-centre/certificates")
    page.locator("#bulk-cohort_id").select_option(label="前台一组")
    page.locator("form[action$='/certificates/bulk'] button[type=submit]").click()
    confirm = page.get_by_role("button", name="颁发 2 份证书")
    assert confirm.is_visible()
    assert axe(page) == []
    confirm.click()
    page.wait_for_url(re.compile(r"/certificates/bulk/\d+$"))
    page.get_by_role("link", name=re.compile("ZIP")).wait_for()
    report = page.locator(".bulk-report").inner_text()
    assert "王小明" in report and "李华" in report and report.count("已颁发") == 2
    assert "bulk-verdict ok" in page.content()
    assert axe(page) == []

    page.goto(base + "/orgs/city-centre/certificates")
    page.locator("a.button.danger").first.click()
    assert page.get_by_text("撤销后无法恢复").is_visible()
    assert axe(page) == []
    page.locator("select[name=reason]").select_option("issued_in_error")
    page.locator("textarea[name=note]").fill("颁发对象错误，工单 4411")
    page.locator("form button.danger").click()
    page.wait_for_url(re.compile(r"/orgs/city-centre/certificates$"))
    assert page.locator(".cert-state-revoked").count() == 1
