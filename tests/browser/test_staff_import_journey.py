"""An org admin imports a staff CSV with one bad row, sees that row named, and nothing lands."""

from __future__ import annotations

import re

from course.db import utcnow
from course.extensions import db
from course.orgs.models import Membership

CSV = (
    "姓名,邮箱,工号,部门,角色\n"
    "张伟,zhangwei@example.com,E001,综合窗口,学员\n"
    "刘洋,not-an-email,E002,社保专窗,学员\n"
    "王芳,wangfang@example.com,E003,导办台,讲师\n"
).encode("gbk")


def _setup(app):
    from course.accounts.service import create_user
    from course.orgs.service import add_member, create_organisation

    with app.app_context():
        org = create_organisation(
            db.session, "city-centre", {"zh-CN": "市民中心", "en": "City"}, utcnow()
        )
        admin = create_user(db.session, "boss@example.com", "admin-password", "主任", utcnow())
        add_member(db.session, org, admin, "org_admin", utcnow())
        db.session.commit()


def test_staff_import_names_the_bad_row(live_server, page, axe, tmp_path):
    _setup(live_server.app)
    page.goto(live_server.url + "/login")
    page.locator("#email").fill("boss@example.com")
    page.locator("#password").fill("admin-password")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))

    page.goto(live_server.url + "/orgs/city-centre/import")
    assert axe(page) == []
    staff = tmp_path / "staff.csv"
    staff.write_bytes(CSV)
    page.locator("#file").set_input_files(str(staff))
    page.locator("form.form button[type=submit]").click()

    # The preview is a page of its own (the check runs as a job); the bad row is named there.
    page.wait_for_url(re.compile(r"/orgs/city-centre/imports/\d+"))
    errors = page.locator("tr.row-error")
    errors.first.wait_for(timeout=30_000)
    assert errors.count() == 1
    assert "3" in errors.first.inner_text() and "not-an-email" in errors.first.inner_text()
    assert page.locator("td", has_text="张伟").count() == 1  # the good rows are previewed
    assert page.locator("form[action$='/confirm']").count() == 0
    assert axe(page) == []
    with live_server.app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 1
