"""An instructor edits a lesson, sees the live preview, publishes; a trainee reads the new text."""

import shutil
from pathlib import Path

from course.db import utcnow
from course.extensions import db

FIXTURE = Path(__file__).parent.parent / "fixtures" / "catalog"
SLUG = "teamwork-basics"
LESSON = "01-basics/01-what-is-teamwork.zh-CN.md"
PASSWORD = "a-long-password"


def _set_up(tmp_path):
    from course.accounts.service import create_user
    from course.authoring.service import add_instructor
    from course.catalog.service import import_package
    from course.orgs.service import add_member, create_organisation

    shutil.copytree(FIXTURE, tmp_path / "repo")
    now = utcnow()
    course = import_package(db.session, None, tmp_path / "repo" / "content" / SLUG, now).course
    org = create_organisation(db.session, "centre", {"zh-CN": "中心", "en": "Centre"}, now)
    teacher = create_user(db.session, "teacher@example.com", PASSWORD, "李老师", now)
    trainee = create_user(db.session, "trainee@example.com", PASSWORD, "王小明", now)
    add_member(db.session, org, teacher, "instructor", now)
    add_member(db.session, org, trainee, "trainee", now)
    add_instructor(db.session, None, course, teacher, now)
    db.session.commit()


def _sign_in(page, url, email):
    page.goto(url + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()


def test_edit_preview_publish_and_read(live_server, page, axe, in_app, tmp_path):
    in_app(_set_up, tmp_path)
    url = live_server.url
    _sign_in(page, url, "teacher@example.com")
    page.goto(f"{url}/author/{SLUG}")
    page.locator("form[action$='/draft'] button").click()
    page.goto(f"{url}/author/{SLUG}/edit/content/{LESSON}")
    assert axe(page) == []
    editor = page.locator("#text")
    editor.press("Control+End")
    editor.type("\n\n窗口与后台每天交接一次。\n")
    page.locator("#preview").get_by_text("窗口与后台每天交接一次。").wait_for()
    page.locator("button[name=action][value=save]").click()
    page.locator(".flash-success").wait_for()
    page.goto(f"{url}/author/{SLUG}")
    assert axe(page) == []
    page.locator("form[action$='/publish'] button").click()
    page.locator(".flash-success").wait_for()
    assert page.locator("a[href$='/versions/2.zip']").count() == 1
    page.locator("header form.inline-form button").click()

    _sign_in(page, url, "trainee@example.com")
    page.goto(f"{url}/courses/{SLUG}")
    page.locator(f"form[action$='/courses/{SLUG}/enrol'] button").click()
    page.goto(f"{url}/courses/{SLUG}/lessons/what-is-teamwork")
    page.get_by_text("窗口与后台每天交接一次。").wait_for()
