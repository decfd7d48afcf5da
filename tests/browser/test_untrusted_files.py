"""A platform admin opens a script-carrying SVG logo and a course package's script asset in
Chromium: nothing runs, nothing changes. The files are stored as they would have been before
uploads were checked, so this proves the serving point alone holds."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from course import storage
from course.catalog.models import CourseFile
from course.db import utcnow
from course.extensions import db
from course.orgs.models import Organisation

FIXTURE = Path(__file__).parents[1] / "fixtures" / "catalog"
#: What the attacker's script does: take the admin's CSRF token and create an organisation.
ATTACK = (
    "document.title = 'owned';"
    "fetch('/admin/organisations').then(r => r.text()).then(page => {"
    '  const token = page.match(/name="csrf_token"[^>]*value="([^"]+)"/)[1];'
    "  const form = new FormData();"
    "  for (const [k, v] of [['csrf_token', token], ['slug', 'pwned'], ['name_zh', 'x'],"
    "                        ['name_en', 'x']]) form.append(k, v);"
    "  return fetch('/admin/organisations', {method: 'POST', body: form});"
    "});"
)
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" onload="{attack}">'
    '<script href="/courses/teamwork-basics/assets/x.js"/>'
    "<script>{attack}</script>"
    '<rect width="40" height="40" fill="#1e3a8a"/></svg>'
)


def _setup(app, tmp_path):
    from course.accounts.service import create_user
    from course.catalog.service import import_package
    from course.orgs.service import add_member, create_organisation

    shutil.copytree(FIXTURE, tmp_path / "repo")
    with app.app_context():
        result = import_package(
            db.session, None, tmp_path / "repo" / "content" / "teamwork-basics", utcnow()
        )
        db.session.add(
            CourseFile(
                version_id=result.version.id,
                area="content",
                path="assets/x.js",
                data=ATTACK.encode(),
                sha256="0" * 64,
            )
        )
        org = create_organisation(db.session, "victim", {"zh-CN": "机构", "en": "Org"}, utcnow())
        key = f"orgs/{org.id}/logo-legacy.svg"
        storage.save(key, LOGO.format(attack=ATTACK.replace('"', "&quot;")).encode())
        org.logo_key = key
        orgadmin = create_user(db.session, "orgadmin@example.com", "org-password", "O", utcnow())
        add_member(db.session, org, orgadmin, "org_admin", utcnow())
        create_user(
            db.session, "root@example.com", "root-password", "R", utcnow(), is_platform_admin=True
        )
        db.session.commit()


def test_a_script_carrying_logo_and_asset_run_nothing(live_server, page, tmp_path):
    _setup(live_server.app, tmp_path)
    page.goto(live_server.url + "/login")
    page.locator("#email").fill("root@example.com")
    page.locator("#password").fill("root-password")
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard$"))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(f"{request.method} {request.url}"))

    response = page.goto(live_server.url + "/orgs/victim/branding/logo")
    assert response.headers["content-security-policy"].endswith("sandbox")
    page.wait_for_timeout(1500)
    assert page.title() != "owned"

    downloads = []
    page.on("download", lambda download: downloads.append(download))
    with contextlib.suppress(PlaywrightError):  # a download aborts the navigation
        page.goto(live_server.url + "/courses/teamwork-basics/assets/x.js")
    page.wait_for_timeout(1000)
    assert [d.suggested_filename for d in downloads] == ["x.js"]

    assert not [r for r in requests if "/admin/organisations" in r]
    with live_server.app.app_context():
        slugs = db.session.scalars(db.select(Organisation.slug)).all()
    assert slugs == ["victim"]
