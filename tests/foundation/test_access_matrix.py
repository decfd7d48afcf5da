"""Every foundation route, as every role, including objects of another organisation.

Each row: method, path (with {org}, {other}, {cohort}, {other_cohort} filled in), and the status
expected for: anonymous, trainee, instructor, org admin, admin of another org, platform admin.
"""

from __future__ import annotations

import pytest

from course.db import utcnow
from course.extensions import db
from course.orgs import imports
from course.orgs.service import create_cohort

ROLES = ("anonymous", "trainee", "instructor", "org_admin", "other_admin", "platform_admin")

MATRIX = [
    ("GET", "/", (200, 302, 302, 302, 302, 302)),
    ("GET", "/login", (200, 302, 302, 302, 302, 302)),
    ("GET", "/register", (200, 200, 200, 200, 200, 200)),
    ("GET", "/password/forgot", (200, 200, 200, 200, 200, 200)),
    ("GET", "/dashboard", (302, 200, 200, 200, 200, 200)),
    ("GET", "/account", (302, 200, 200, 200, 200, 200)),
    ("GET", "/account/password", (302, 200, 200, 200, 200, 200)),
    ("GET", "/admin/organisations", (302, 403, 403, 403, 403, 200)),
    ("GET", "/orgs/{org}", (302, 403, 403, 200, 403, 200)),
    ("GET", "/orgs/{org}/settings", (302, 403, 403, 200, 403, 200)),
    ("GET", "/orgs/{org}/invite", (302, 403, 403, 200, 403, 200)),
    ("GET", "/orgs/{org}/import", (302, 403, 403, 200, 403, 200)),
    ("GET", "/orgs/{org}/import/template.csv", (302, 403, 403, 200, 403, 200)),
    ("GET", "/orgs/{org}/imports/{import}", (302, 403, 403, 200, 403, 200)),
    ("GET", "/orgs/{org}/imports/{import}.json", (302, 403, 403, 200, 403, 200)),
    ("GET", "/orgs/{org}/imports/{other_import}", (302, 403, 403, 404, 403, 404)),
    ("GET", "/orgs/{other}/imports/{import}.json", (302, 403, 403, 403, 404, 404)),
    ("POST", "/orgs/{org}/imports/{import}/confirm", (302, 403, 403, 302, 403, 302)),
    ("POST", "/orgs/{org}/cohorts", (302, 403, 403, 302, 403, 302)),
    ("GET", "/orgs/{org}/cohorts/{cohort}", (302, 403, 403, 200, 403, 200)),
    ("GET", "/orgs/{org}/cohorts/{other_cohort}", (302, 403, 403, 404, 403, 404)),
    ("GET", "/orgs/{org}/branding/logo", (302, 403, 403, 404, 403, 404)),
    ("GET", "/orgs/no-such-org", (302, 404, 404, 404, 404, 404)),
    ("GET", "/orgs/{org}/join", (302, 200, 200, 200, 200, 200)),
    ("GET", "/invitations/not-a-token", (404, 404, 404, 404, 404, 404)),
    ("GET", "/admin/users", (302, 403, 403, 403, 403, 200)),
    ("POST", "/admin/users/999999/reactivate", (302, 403, 403, 403, 403, 404)),
    ("GET", "/orgs/{org}/members/{member}/deactivate", (302, 403, 403, 200, 403, 200)),
    ("GET", "/orgs/{other}/members/{member}/remove", (302, 403, 403, 403, 404, 404)),
    ("GET", "/admin/audit", (302, 403, 403, 403, 403, 200)),
    ("GET", "/orgs/{org}/audit", (302, 403, 403, 200, 403, 200)),
    ("GET", "/orgs/{other}/audit", (302, 403, 403, 403, 200, 200)),
    ("GET", "/account/data", (302, 200, 200, 200, 200, 200)),
    ("POST", "/account/delete", (302, 302, 302, 302, 302, 302)),
    ("GET", "/account/notifications", (302, 200, 200, 200, 200, 200)),
    ("GET", "/welcome/not-a-token", (400, 400, 400, 400, 400, 400)),
    ("POST", "/logout", (302, 302, 302, 302, 302, 302)),
]

FOUNDATION_BLUEPRINTS = ("accounts", "orgs", "dashboard", "audit", "privacy", "notifications")


@pytest.fixture
def world(app, create_user, create_org, add_member):
    org, other = create_org(), create_org()
    people = {"anonymous": None, "platform_admin": create_user(is_platform_admin=True)}
    for role in ("trainee", "instructor", "org_admin"):
        people[role] = create_user()
        add_member(people[role], org, role)
    people["other_admin"] = create_user()
    add_member(people["other_admin"], other, "org_admin")
    cohort = create_cohort(db.session, org, "A", utcnow())
    other_cohort = create_cohort(db.session, other, "B", utcnow())
    staff = imports.start(db.session, people["org_admin"], org, [], "a.csv", utcnow())
    other_staff = imports.start(db.session, people["other_admin"], other, [], "b.csv", utcnow())
    db.session.commit()
    names = {
        "org": org.slug,
        "other": other.slug,
        "cohort": cohort.id,
        "other_cohort": other_cohort.id,
        "member": people["trainee"].id,
        "import": staff.id,
        "other_import": other_staff.id,
    }
    return people, names


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
def test_access_matrix(app, world, login, client, role_index, role):
    people, names = world
    if people[role] is not None:
        login(people[role])
    failures = []
    for method, path, expected in MATRIX:
        url = path.format(**names)
        status = client.open(url, method=method).status_code
        if status != expected[role_index]:
            failures.append(f"{method} {url}: {status}, expected {expected[role_index]}")
        if method == "POST" and path == "/logout" and people[role] is not None:
            login(people[role])
    assert failures == []


def test_matrix_covers_every_foundation_route(app):
    covered = {path.split("{")[0].rstrip("/") for _, path, _ in MATRIX}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in FOUNDATION_BLUEPRINTS:
            continue
        if rule.endpoint in ("dashboard.set_language", "accounts.reset_password"):
            continue  # covered by the language and password-reset tests
        prefix = rule.rule.split("<")[0].rstrip("/")
        if not any(
            c == prefix or c.startswith(prefix + "/") or prefix.startswith(c + "/")
            for c in covered
            if c
        ):
            missing.append(rule.rule)
    assert missing == []


def test_no_get_route_changes_state(app, world, login, client):
    """Safe requests run in deferred (read-only intent) transactions; none of them writes."""
    people, names = world
    login(people["platform_admin"])
    before = _row_counts()
    for method, path, _ in MATRIX:
        if method == "GET":
            client.get(path.format(**names))
    assert _row_counts() == before


def _row_counts():
    return {
        table.name: db.session.execute(db.select(db.func.count()).select_from(table)).scalar()
        for table in db.metadata.sorted_tables
    }
