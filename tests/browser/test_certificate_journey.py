"""From completing a course to opening the certificate's QR code: the trainee finishes the last
lesson, the certificate is issued on completion, the PDF is downloaded, its QR code is decoded
from a rendered image, and the public verification page it points at says "valid"."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from course.db import utcnow

FIXTURE = Path(__file__).parents[1] / "fixtures" / "certificates" / "content" / "handover-basics"
PASSWORD = "a-long-password"


def _set_up():
    from course.accounts.service import create_user
    from course.catalog.service import import_package
    from course.extensions import db
    from course.orgs.service import add_member, create_organisation

    result = import_package(db.session, None, FIXTURE, utcnow())
    assert result.ok, result.problems
    org = create_organisation(
        db.session, "city-centre", {"zh-CN": "示例市政务服务中心", "en": "City Centre"}, utcnow()
    )
    trainee = create_user(db.session, "trainee@example.com", PASSWORD, "王小明", utcnow())
    add_member(db.session, org, trainee, "trainee", utcnow())
    db.session.commit()


def test_complete_course_download_certificate_and_follow_its_qr_code(
    live_server, page, axe, in_app, tmp_path
):
    in_app(_set_up)
    base = live_server.url
    page.goto(base + "/login")
    page.locator("#email").fill("trainee@example.com")
    page.locator("#password").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))

    page.goto(base + "/courses/handover-basics")
    page.locator("form[action$='/enrol'] button").click()
    page.get_by_role("link", name="交接班清单", exact=True).click()
    page.wait_for_url(re.compile(r"/lessons/checklist$"))
    page.locator("form[data-complete-form] button").click()  # completes the course
    page.wait_for_load_state()

    page.goto(base + "/certificates")
    assert page.get_by_role("heading", level=2).first.inner_text() == "交接班基础"
    assert page.locator(".cert-state-valid").count() == 1
    assert axe(page) == []
    with page.expect_download() as download_info:
        page.locator("a[href$='.pdf']").first.click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)

    subprocess.run(["pdftoppm", "-png", "-r", "100", pdf, tmp_path / "page"], check=True)
    (image,) = tmp_path.glob("page*.png")
    decoded = subprocess.run(["zbarimg", "-q", "--raw", image], capture_output=True, text=True)
    url = decoded.stdout.strip()
    assert re.fullmatch(re.escape(base) + r"/verify/[A-Za-z0-9_-]{20,}", url), url

    page.goto(url)
    assert page.locator(".cert-state-valid").is_visible()
    assert page.locator(".cert-name").inner_text() == "王小明"
    assert axe(page) == []

    page.goto(base + "/verify")
    assert axe(page) == []
    page.locator("input[type=file]").set_input_files(str(pdf))
    page.get_by_role("button", name=re.compile("Check file|验证文件")).click()
    assert page.locator(".verify-result.ok").is_visible()
