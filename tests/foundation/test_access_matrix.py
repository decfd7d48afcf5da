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


# --- who may identify a learner in a course's reports (docs/privacy.md) -----------------------

#: Readers (all instructors of the same open course, or a platform admin) and, per learner, whether
#: the reader sees the learner's identity: (member of A, member of B, member of no organisation).
LEARNER_MATRIX = {
    "instructor_of_a": (True, False, False),
    "instructor_of_b": (False, True, False),
    "instructor_of_none": (False, False, False),
    "org_admin_of_a": (True, False, False),
    "platform_admin": (True, True, True),
}


@pytest.fixture
def open_course(app, create_user, create_org, add_member, tmp_path):
    import shutil
    from pathlib import Path

    from course.authoring.service import add_instructor
    from course.catalog.service import import_package
    from course.progress.service import enrol

    fixture = Path(__file__).parents[1] / "fixtures" / "catalog"
    shutil.copytree(fixture, tmp_path / "repo")
    result = import_package(
        db.session, None, tmp_path / "repo" / "content" / "teamwork-basics", utcnow()
    )
    course = result.course
    org_a, org_b = create_org(), create_org()
    readers = {"platform_admin": create_user(is_platform_admin=True)}
    for name, org, role in (
        ("instructor_of_a", org_a, "instructor"),
        ("instructor_of_b", org_b, "instructor"),
        ("instructor_of_none", None, None),
        ("org_admin_of_a", org_a, "org_admin"),
    ):
        readers[name] = create_user()
        if org is not None:
            add_member(readers[name], org, role)
        add_instructor(db.session, None, course, readers[name], utcnow())
    learners = []
    for org, name in ((org_a, "Learner Alpha"), (org_b, "Learner Bravo"), (None, "Learner Delta")):
        learner = create_user(display_name=name)
        if org is not None:
            add_member(learner, org, "trainee")
        enrol(db.session, learner, course, utcnow())
        _essay_waiting(learner, course, result.version)
        learners.append(learner)
    db.session.commit()
    return course, readers, learners


def _essay_waiting(learner, course, version):
    from course.quizzes.models import GRADED, EssayGrading, QuizAttempt

    attempt = QuizAttempt(
        user_id=learner.id, course_id=course.id, version_id=version.id, quiz_id="basics",
        number=1, seed=1, started_at=utcnow(), submitted_at=utcnow(), status=GRADED,
        responses={}, results={}, score=0.0, passed=False, pass_mark=0.5,
    )  # fmt: skip
    db.session.add(attempt)
    db.session.flush()
    db.session.add(
        EssayGrading(
            attempt_id=attempt.id, course_id=course.id, question_id="q", created_at=utcnow()
        )
    )


@pytest.mark.parametrize("reader", list(LEARNER_MATRIX))
def test_learner_identity_matrix(open_course, login, client, reader):
    course, readers, learners = open_course
    login(readers[reader])
    base = f"/reports/courses/{course.slug}"
    page = client.get(base).get_data(as_text=True)
    export = client.get(base + "?export=csv").get_data(as_text=True)
    queue = client.get(base + "/grading").get_data(as_text=True)
    failures = []
    for learner, allowed in zip(learners, LEARNER_MATRIX[reader], strict=True):
        status = client.get(f"{base}/trainees/{learner.id}").status_code
        shown = learner.display_name in page, learner.email in export, learner.display_name in queue
        if status != (200 if allowed else 403) or shown != (allowed, allowed, allowed):
            failures.append(f"{learner.email}: page {status}, listed/exported {shown}")
    assert failures == []
    # Everyone who reads the report sees the same aggregates.
    assert "<dd>3</dd>" in page
