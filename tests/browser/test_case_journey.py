"""A trainee plays the government service centre case to an ending with the keyboard, submits
reflections; an instructor scores one on the rubric; the trainee then reads the review."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from course.db import utcnow

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "catalog"
CASES = ROOT / "content" / "service-team-collaboration" / "cases"
CASE = "government-service-centre"
PASSWORD = "a-long-password"


def _package(tmp: Path) -> Path:
    """The small fixture course with the flagship's government case added to its second module."""
    shutil.copytree(FIXTURE, tmp / "repo")
    content = tmp / "repo" / "content" / "teamwork-basics"
    for locale in ("zh-CN", "en"):
        shutil.copy(CASES / f"{CASE}.{locale}.md", content / "cases")
    module = content / "02-practice" / "module.yaml"
    module.write_text(module.read_text("utf-8") + f"  - case: {CASE}\n", encoding="utf-8")
    return content


def _set_up(package: Path) -> None:
    from course.accounts.service import create_user
    from course.catalog.service import import_package
    from course.extensions import db
    from course.orgs.service import add_member, create_organisation
    from course.progress.service import enrol

    now = utcnow()
    result = import_package(db.session, None, package, now)
    assert result.ok, [str(p) for p in result.problems]
    org = create_organisation(db.session, "centre", {"zh-CN": "中心", "en": "Centre"}, now)
    trainee = create_user(
        db.session, "trainee@example.com", PASSWORD, "林小雨", now, locale="zh-CN"
    )
    teacher = create_user(
        db.session, "teacher@example.com", PASSWORD, "李老师", now, locale="zh-CN"
    )
    add_member(db.session, org, trainee, "trainee", now)
    add_member(db.session, org, teacher, "instructor", now)
    enrol(db.session, trainee, result.course, now)
    db.session.commit()


def _sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))


def _sign_out(page) -> None:
    page.locator("form[action$='/logout'] button").click()


def _press(page, locator) -> None:
    """Operate a control with the keyboard only."""
    locator.focus()
    page.keyboard.press("Enter")


def test_play_reflect_review_and_read(live_server, page, axe, in_app, tmp_path):
    in_app(_set_up, _package(tmp_path))
    base = live_server.url
    case_url = f"{base}/courses/teamwork-basics/cases/{CASE}"

    _sign_in(page, base, "trainee@example.com")
    page.goto(case_url)
    assert page.get_by_role("heading", level=1).inner_text() == "一家面馆，三张证"
    assert axe(page) == []
    _press(page, page.locator("form[action$='/plays'] button"))

    # First scene: take the second choice, then step back and take the first ones to the end.
    page.wait_for_url(re.compile(r"/plays/\d+$"))
    assert page.locator("#scene-title").inner_text().startswith("周一上午")
    assert axe(page) == []
    with page.expect_navigation():
        _press(page, page.locator("button.choice").nth(1))
    assert page.locator("#scene-title").inner_text() == "把人领到专窗"
    with page.expect_navigation():
        _press(page, page.get_by_role("button", name=re.compile("Step back|退回上一步")))
    assert page.locator("#scene-title").inner_text().startswith("周一上午")
    for _ in range(10):
        if page.url.endswith("/debrief"):
            break
        with page.expect_navigation():
            _press(page, page.locator("button.choice").first)
    assert page.url.endswith("/debrief")

    # The debrief: ending, score, path, competencies; then the reflections.
    assert re.search(r"15 (of|/) 15", page.locator(".case-score").inner_text())
    assert page.locator("ol.case-path li").count() == 6
    assert page.locator(".competencies li.shown").count() == 5
    assert axe(page) == []
    answers = page.locator("textarea")
    assert answers.count() == 2
    answers.nth(0).fill("上周有位老人在三个窗口之间跑了两趟，本该由首问窗口接下来。")
    answers.nth(1).fill("我会先做一次性告知；我们还缺联办单的时限规定。")
    with page.expect_navigation():
        _press(page, page.get_by_role("button", name=re.compile("Submit reflections|提交反思")))
    assert page.locator(".reflection .hint").count() == 2
    debrief_url = page.url
    _sign_out(page)

    # The instructor scores the first answer on the case's rubric.
    _sign_in(page, base, "teacher@example.com")
    page.goto(f"{base}/courses/teamwork-basics/reviews")
    assert page.locator("tbody tr").count() == 2
    assert axe(page) == []
    page.locator("tbody tr").first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/reviews/\d+$"))
    assert "老人在三个窗口" in page.locator("blockquote.answer").inner_text()
    assert axe(page) == []
    page.locator("#score-insight").select_option("3")
    page.locator("#score-ownership").select_option("2")
    page.locator("#score-action").select_option("3")
    page.locator("#feedback").fill("联系实际很具体；下一步想想由谁牵头。")
    with page.expect_navigation():
        _press(page, page.get_by_role("button", name=re.compile("Save review|保存点评")))
    assert page.locator("tbody tr").count() == 1
    page.goto(f"{case_url}/choices")
    first_scene = page.locator("table.distribution").first
    assert first_scene.locator("tbody tr").nth(0).locator("td").nth(1).inner_text() == "1"
    assert first_scene.locator("tbody tr").nth(1).locator("td").nth(1).inner_text() == "0"
    assert axe(page) == []
    _sign_out(page)

    # The trainee reads the review on the debrief.
    _sign_in(page, base, "trainee@example.com")
    page.goto(debrief_url)
    review = page.locator(".review")
    assert review.count() == 1
    assert re.search(r"8 (of|/) 10", review.inner_text())
    assert "由谁牵头" in review.locator(".feedback").inner_text()
    assert axe(page) == []
    page.goto(base + "/records")
    # started, 6 choices, the voiding of the choice stepped back from, completed, 2 answers
    assert page.locator("tbody tr").count() == 11
    assert axe(page) == []
