"""A trainee reads a lesson in Chinese, switches to English, completes a module's lessons and
watches the progress bar move."""

from __future__ import annotations

import re
from pathlib import Path

from course.db import utcnow

FIXTURE = Path(__file__).parent.parent / "fixtures" / "catalog" / "content" / "teamwork-basics"
PASSWORD = "a-long-password"


def _set_up():
    from course.accounts.service import create_user
    from course.catalog.service import import_package
    from course.extensions import db

    result = import_package(db.session, None, FIXTURE, utcnow())
    assert result.ok, result.problems
    create_user(db.session, "reader@example.com", PASSWORD, "读者", utcnow(), locale="zh-CN")
    db.session.commit()


def _module_progress(page) -> str:
    return page.locator("aside [role=progressbar]").get_attribute("aria-valuenow")


def test_read_switch_language_complete_a_module(live_server, page, axe, in_app):
    in_app(_set_up)
    base = live_server.url
    page.goto(base + "/login")
    page.locator("#email").fill("reader@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))

    page.goto(base + "/courses")
    page.get_by_role("link", name="团队协作入门").click()
    page.wait_for_url(re.compile(r"/courses/teamwork-basics$"))
    assert axe(page) == []
    page.locator("form[action$='/enrol'] button").click()
    page.get_by_role("link", name="什么是团队协作", exact=True).click()

    # Reading in Chinese: title, table of contents, callout, the rendered table.
    page.wait_for_url(re.compile(r"/lessons/what-is-teamwork$"))
    assert page.get_by_role("heading", level=1).inner_text() == "什么是团队协作"
    assert page.locator(".toc a").first.inner_text() == "协作的含义"
    assert page.locator(".callout-tip .callout-title").inner_text() == "小提示"
    assert page.locator(".lesson-body table td.align-right").first.inner_text() == "受理"
    assert page.locator(".lesson-body img").evaluate("img => img.complete && img.naturalWidth > 0")
    assert _module_progress(page) == "0"
    assert axe(page) == []

    # The language switch keeps the place.
    page.get_by_role("button", name="English").click()
    page.wait_for_url(re.compile(r"/lessons/what-is-teamwork$"))
    assert page.get_by_role("heading", level=1).inner_text() == "What is teamwork"
    assert page.locator("html").get_attribute("lang") == "en"

    # Completing lessons moves the module's progress bar.
    page.locator("form[data-complete-form] button").click()
    page.wait_for_url(re.compile(r"/lessons/listening$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Active listening"
    assert _module_progress(page) == "50"
    page.keyboard.press("End")
    page.locator("form[data-complete-form] button").focus()
    page.keyboard.press("Enter")  # keyboard only
    page.wait_for_url(re.compile(r"/lessons/handover$"))
    page.get_by_role("link", name="Teamwork Basics").first.click()
    bars = page.locator("ol.modules [role=progressbar]")
    assert bars.nth(0).get_attribute("aria-valuenow") == "100"
    assert bars.nth(1).get_attribute("aria-valuenow") == "0"
    assert axe(page) == []
