"""A newcomer registers, signs out and in, switches language; pages pass axe."""

from __future__ import annotations

import re


def test_register_login_and_switch_language(live_server, page, axe):
    page.goto(live_server.url + "/register")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert axe(page) == []
    page.get_by_label(re.compile("姓名|Name")).fill("王小明")
    page.locator("#email").fill("xiaoming@example.com")
    page.locator("#password").fill("a-long-password")
    page.locator("#confirm").fill("a-long-password")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))
    assert "王小明" in page.content()
    assert axe(page) == []

    page.locator("header form.inline-form button").click()  # sign out
    page.goto(live_server.url + "/login")
    page.locator("#email").fill("xiaoming@example.com")
    page.locator("#password").fill("a-long-password")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))

    page.get_by_role("button", name="English").click()
    page.wait_for_url(re.compile(r"/dashboard$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Hello")
    page.get_by_role("button", name="中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
