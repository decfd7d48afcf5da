"""A trainee takes a timed quiz, reloads half-way, finishes and fails, waits out the cool-down
(on a controllable server clock) and passes; every page passes axe."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from course.db import utcnow

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "quizzes" / "content" / "quiz-course"
PASSWORD = "a-long-password"


class Clock:
    """The server's clock for quiz pages: real time plus whatever the test lets pass."""

    def __init__(self):
        self.offset = timedelta()

    def __call__(self):
        return utcnow() + self.offset


def _set_up():
    from course.accounts.service import create_user
    from course.catalog.service import import_package
    from course.extensions import db
    from course.progress.service import enrol

    now = utcnow()
    course = import_package(db.session, None, FIXTURE, now).course
    user = create_user(db.session, "quiz@example.com", PASSWORD, "王小明", now)
    enrol(db.session, user, course, now)
    db.session.commit()


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("course.quizzes.views.utcnow", clock)
    return clock


def _sign_in(page, base):
    page.goto(base + "/login")
    page.locator("#email").fill("quiz@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))


def _statement(page):
    return page.locator("fieldset.question", has_text="定期会议有助于分享经验")


def _submit(page):
    """Submit through the summary page and its confirmation."""
    page.locator("#submit-attempt").click()
    page.wait_for_url(re.compile(r"/summary$"))
    page.locator("#confirm-submit").click()
    page.wait_for_url(re.compile(r"/results$"))


def _wait_saved(page):
    expect(page.locator("#save-status")).to_have_text(re.compile(r"^已保存"))


def test_timed_quiz_fail_cool_down_pass(live_server, in_app, page, axe, clock):
    in_app(_set_up)
    base = live_server.url
    _sign_in(page, base)

    page.goto(base + "/courses/quiz-course/quizzes/timed")
    assert axe(page) == []
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/quiz-attempts/\d+$"))
    attempt_url = page.url
    assert re.fullmatch(r"[45]:\d\d", page.locator(".quiz-clock").inner_text())
    assert axe(page) == []

    # Half-way: two questions answered (the matching one from the keyboard), saved as we go.
    page.get_by_label("综合窗口").check()
    _wait_saved(page)
    trello = page.get_by_label("Trello")
    trello.focus()
    trello.select_option(label="跟踪任务")
    page.get_by_label("WeChat").select_option(label="即时沟通")
    expect(page.locator(".quiz-navigator a.answered")).to_have_count(2)
    _wait_saved(page)

    page.reload()
    assert page.get_by_label("综合窗口").is_checked()
    assert (
        page.get_by_label("Trello").evaluate("s => s.options[s.selectedIndex].text") == "跟踪任务"
    )
    assert page.locator(".quiz-navigator a.answered").count() == 2

    # Finish with the steps reversed and the statement denied: 2 of 4, below the 75% pass mark.
    for text, rank in (("记录进展", "3"), ("告知接手同事", "2"), ("确认已接手", "1")):
        field = page.get_by_label(text)
        field.focus()
        page.keyboard.press(rank)  # type-ahead picks the rank from the keyboard
        assert field.input_value() == rank
    _statement(page).get_by_label("错误").focus()
    page.keyboard.press("Space")
    _submit(page)
    assert page.locator("#verdict").get_attribute("class").split()[-1] == "failed"
    assert axe(page) == []

    # The cool-down holds, on the server too.
    page.goto(base + "/courses/quiz-course/quizzes/timed")
    assert page.locator("#cooldown").is_visible()
    assert page.locator("main form button[type=submit]").count() == 0
    page.goto(attempt_url)
    page.wait_for_url(re.compile(r"/results$"))

    clock.offset += timedelta(minutes=6)
    page.goto(base + "/courses/quiz-course/quizzes/timed")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/quiz-attempts/\d+$"))
    assert page.url != attempt_url
    page.get_by_label("综合窗口").check()
    page.get_by_label("Trello").select_option(label="跟踪任务")
    page.get_by_label("WeChat").select_option(label="即时沟通")
    for text, rank in (("记录进展", "1"), ("告知接手同事", "2"), ("确认已接手", "3")):
        page.get_by_label(text).select_option(rank)
    _statement(page).get_by_label("正确").check()
    _submit(page)
    assert page.locator("#verdict").get_attribute("class").split()[-1] == "passed"
    assert page.locator(".review-item").count() == 4
    assert axe(page) == []


def test_submitting_shows_a_summary_and_asks_for_confirmation(live_server, in_app, page, axe):
    """In zh-CN: one answer, one flag, then 检查并交卷 shows the counts and the time left; going
    back changes nothing; 确认交卷 submits."""
    in_app(_set_up)
    base = live_server.url
    _sign_in(page, base)
    page.goto(base + "/courses/quiz-course/quizzes/timed")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/quiz-attempts/\d+$"))
    attempt_url = page.url

    page.get_by_label("综合窗口").check()
    _wait_saved(page)
    _statement(page).get_by_label("标记待检查").check()
    _wait_saved(page)
    flagged = page.locator(".quiz-navigator .nav-item.flagged")
    expect(flagged).to_have_count(1)
    expect(flagged.locator("[data-flag-state]")).to_have_text(re.compile("已标记待检查"))

    page.locator("#submit-attempt").click()
    page.wait_for_url(re.compile(r"/summary$"))
    expect(page.locator("h1")).to_have_text("确认交卷？")
    expect(page.locator("#summary-answered strong")).to_have_text("1")
    expect(page.locator("#summary-unanswered strong")).to_have_text("3")
    expect(page.locator("#summary-flagged strong")).to_have_text("1")
    assert re.fullmatch(r"[45]:\d\d", page.locator("#summary-time .quiz-clock").inner_text())
    assert "结束" in page.locator("#summary-time").inner_text()
    assert axe(page) == []

    page.get_by_role("link", name="返回继续作答").click()
    page.wait_for_url(attempt_url)
    assert page.get_by_label("综合窗口").is_checked()
    assert _statement(page).get_by_label("标记待检查").is_checked()

    page.locator("#submit-attempt").click()
    page.wait_for_url(re.compile(r"/summary$"))
    page.locator("#confirm-submit").click()
    page.wait_for_url(re.compile(r"/results$"))
    assert page.locator("#verdict").is_visible()


def test_the_summary_and_confirmation_work_without_script(live_server, in_app, browser):
    in_app(_set_up)
    base = live_server.url
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        _sign_in(page, base)
        page.goto(base + "/courses/quiz-course/quizzes/timed")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/quiz-attempts/\d+$"))
        page.get_by_label("综合窗口").check()
        _statement(page).get_by_label("标记待检查").check()
        page.locator("#submit-attempt").click()
        page.wait_for_url(re.compile(r"/summary$"))
        expect(page.locator("#summary-answered strong")).to_have_text("1")
        expect(page.locator("#summary-flagged strong")).to_have_text("1")
        page.locator("#confirm-submit").click()
        page.wait_for_url(re.compile(r"/results$"))
    finally:
        context.close()
