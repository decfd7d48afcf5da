"""An org admin assigns a course from the list of published ones and finds the staff template."""

from __future__ import annotations

import re
from pathlib import Path

from course.catalog.models import Course
from course.db import utcnow
from course.extensions import db
from course.orgs.models import Assignment, Cohort


def _setup(app) -> int:
    from course.accounts.service import create_user
    from course.orgs.service import add_member, create_organisation

    with app.app_context():
        org = create_organisation(
            db.session, "city-centre", {"zh-CN": "市民中心", "en": "City"}, utcnow()
        )
        admin = create_user(db.session, "boss@example.com", "admin-password", "主任", utcnow())
        add_member(db.session, org, admin, "org_admin", utcnow())
        db.session.add(
            Course(
                slug="fire-safety",
                title={"zh-CN": "消防安全", "en": "Fire safety"},
                is_published=True,
                current_number=1,
            )  # fmt: skip
        )
        cohort = Cohort(organisation_id=org.id, name="2026 春")
        db.session.add(cohort)
        db.session.commit()
        return cohort.id


def test_org_admin_assigns_a_listed_course_and_downloads_the_template(live_server, page, axe):
    cohort_id = _setup(live_server.app)
    page.goto(live_server.url + "/login")
    page.locator("#email").fill("boss@example.com")
    page.locator("#password").fill("admin-password")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))

    page.goto(f"{live_server.url}/orgs/city-centre/cohorts/{cohort_id}")
    assert axe(page) == []
    page.locator("#course_slug").select_option("fire-safety")
    page.locator("#due_on").fill("2026-12-31")
    page.get_by_role("button", name="分配").click()
    assert page.locator("text=消防安全 (fire-safety)").count() >= 1
    assert axe(page) == []
    with live_server.app.app_context():
        assert db.session.scalar(db.select(Assignment.course_slug)) == "fire-safety"

    page.goto(live_server.url + "/orgs/city-centre/import")
    assert axe(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="下载模板（CSV）").click()
    data = Path(download.value.path()).read_bytes()
    assert data.startswith("\ufeff姓名,邮箱,工号,部门,角色".encode())


def test_chart_labels_are_not_clipped_in_the_browser(page):
    """Long Chinese and English labels, drawn by Chromium with the reports' style: every label's
    box lies inside the picture, and the values after the bars too."""
    from course.reports.charts import ChartText, bar_chart, percent

    css = (Path(__file__).parents[2] / "course/static/css/reports.css").read_text()
    labels = [
        "1. 这是一道非常非常长的题目文字，用来检查图表里的标签会被截短而表格里保留全文",
        "2. What is the main purpose of a handover note between shifts at the service desk?",
        "3. WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
        "4. 短",
    ]
    chart = bar_chart(
        "facility",
        ChartText("Item difficulty", "Facility of each question.", "Question", "Facility"),
        [(label, share) for label, share in zip(labels, (1.0, 0.5, 0.25, 0.0), strict=True)],
        percent,
        maximum=1,
    )
    page.set_content(f"<!doctype html><html><head><style>{css}</style></head>"
                     f"<body>{chart}</body></html>")  # fmt: skip
    boxes = page.evaluate(
        """() => {
          const svg = document.querySelector('svg.chart-svg');
          const width = svg.viewBox.baseVal.width;
          return [...svg.querySelectorAll('text')].map(t => {
            const b = t.getBBox();
            return {left: b.x, right: b.x + b.width, width};
          });
        }"""
    )
    assert len(boxes) == 2 * len(labels)
    for box in boxes:
        assert box["left"] >= 0 and box["right"] <= box["width"], box
