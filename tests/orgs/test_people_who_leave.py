"""People who leave: deactivation and removal by an org admin, deactivation by a platform admin,
downloading one's data, and erasure at one's request."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from course.audit.models import AuditEvent
from course.catalog.models import Course
from course.db import utcnow
from course.extensions import db
from course.orgs.models import Assignment, Cohort, CohortMember, Membership
from course.reports import orgreport
from tests.conftest import PASSWORD


@pytest.fixture
def centre(create_user, create_org, add_member):
    org = create_org(slug="centre")
    admin = create_user(email="admin@centre.example")
    leaver = create_user(email="leaver@centre.example", display_name="Zhang Wei")
    stayer = create_user(email="stayer@centre.example")
    add_member(admin, org, "org_admin")
    add_member(leaver, org, "instructor")
    add_member(stayer, org, "trainee")
    cohort = Cohort(organisation_id=org.id, name="Front desk", created_at=utcnow())
    db.session.add(cohort)
    db.session.flush()
    course = Course(slug="front-desk-basics", title={"en": "Front desk"}, current_number=1)
    db.session.add_all(
        [course]
        + [CohortMember(cohort_id=cohort.id, user_id=u.id) for u in (leaver, stayer)]
        + [
            Assignment(
                cohort_id=cohort.id,
                course_slug="front-desk-basics",
                due_at=utcnow() + timedelta(days=30),
                created_at=utcnow(),
            )
        ]
    )
    db.session.commit()
    return org, admin, leaver, stayer


def _people_counted(org) -> set[str]:
    """The e-mail addresses the organisation's compliance figures count."""
    rows = orgreport.assignment_rows(db.session, org, utcnow(), orgreport.Filters())
    return {row.email for row in rows}


def test_deactivating_a_member_ends_their_role_at_once_and_keeps_records(
    app, client, login, centre
):
    org, admin, leaver, stayer = centre
    assert leaver.email in _people_counted(org)
    leaver_client = app.test_client()
    leaver_client.post("/login", data={"email": leaver.email, "password": PASSWORD})
    assert leaver_client.get(f"/orgs/{org.slug}/audit").status_code == 403  # not an admin
    assert leaver_client.get(f"/reports/orgs/{org.slug}").status_code in (302, 403, 404)

    login(admin)
    page = client.get(f"/orgs/{org.slug}/members/{leaver.id}/deactivate")
    assert page.status_code == 200 and "Deactivate" in page.get_data(as_text=True)
    assert db.session.get(Membership, _membership_id(org, leaver)).deactivated_at is None
    assert client.post(f"/orgs/{org.slug}/members/{leaver.id}/deactivate").status_code == 302
    membership = db.session.get(Membership, _membership_id(org, leaver))
    assert membership.deactivated_at is not None

    from course import policy

    db.session.expire_all()
    assert policy.roles_of(leaver) == {}
    assert leaver.email not in _people_counted(org)
    assert stayer.email in _people_counted(org)
    # The person keeps an account and can still sign in (they may belong elsewhere).
    assert leaver_client.get("/").status_code in (200, 302)

    client.post(f"/orgs/{org.slug}/members/{leaver.id}/reactivate")
    db.session.expire_all()
    assert leaver.email in _people_counted(org)
    actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert "membership.deactivate" in actions and "membership.reactivate" in actions


def _membership_id(org, user) -> int:
    return db.session.scalar(
        select(Membership.id).where(
            Membership.organisation_id == org.id, Membership.user_id == user.id
        )
    )


def test_removing_a_member_takes_them_out_of_cohorts_only(client, login, centre):
    org, admin, leaver, _stayer = centre
    login(admin)
    assert client.post(f"/orgs/{org.slug}/members/{leaver.id}/remove").status_code == 302
    assert _membership_id(org, leaver) is None
    assert not db.session.scalars(
        select(CohortMember).where(CohortMember.user_id == leaver.id)
    ).all()
    assert leaver.email not in _people_counted(org)
    assert db.session.get(type(leaver), leaver.id) is not None  # the account stays
    removed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.remove"))
    assert removed.subject_user_id == leaver.id and removed.actor_id == admin.id


def test_only_the_organisations_admins_manage_members(client, login, centre, create_user):
    org, _admin, leaver, stayer = centre
    login(stayer)
    assert client.post(f"/orgs/{org.slug}/members/{leaver.id}/remove").status_code == 403
    assert _membership_id(org, leaver) is not None


def test_a_platform_admin_deactivates_an_account_everywhere(
    app, client, login, centre, create_user
):
    org, _admin, leaver, _stayer = centre
    platform = create_user(is_platform_admin=True)
    leaver_client = app.test_client()
    leaver_client.post("/login", data={"email": leaver.email, "password": PASSWORD})
    assert leaver_client.get("/account").status_code == 200

    login(platform)
    assert leaver.email in client.get("/admin/users?q=zhang").get_data(as_text=True)
    assert client.post(f"/admin/users/{leaver.id}/deactivate").status_code == 302
    # The leaver's open session ends at once, and signing in again is refused.
    assert leaver_client.get("/account").status_code == 302
    again = leaver_client.post("/login", data={"email": leaver.email, "password": PASSWORD})
    assert again.status_code == 200
    client.post(f"/admin/users/{leaver.id}/reactivate")
    again = leaver_client.post("/login", data={"email": leaver.email, "password": PASSWORD})
    assert again.status_code == 302


def test_a_person_downloads_everything_held_about_them(client, login, centre):
    _org, _admin, leaver, _stayer = centre
    login(leaver)
    response = client.post("/account/data.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = set(bundle.namelist())
    for expected in (
        "profile.json", "memberships.json", "memberships.csv", "enrolments.json",
        "quiz_attempts.json", "case_plays.json", "reflections.json", "certificates.json",
        "learning_records.json", "README.txt",
    ):  # fmt: skip
        assert expected in names
    profile = json.loads(bundle.read("profile.json"))[0]
    assert profile["email"] == leaver.email
    assert "password_hash" not in profile and "session_epoch" not in profile
    memberships = json.loads(bundle.read("memberships.json"))
    assert memberships[0]["role"] == "instructor"
    assert bundle.read("memberships.csv").decode("utf-8-sig").startswith("id,")
    exported = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "account.data_export")
    )
    assert exported.subject_user_id == leaver.id


def test_erasure_anonymises_and_withdraws_certificates(app, client, login, centre):
    from course.cases.models import CasePlay, Reflection
    from course.certificates.models import Certificate
    from tests.certificates.conftest import make_course

    org, _admin, leaver, _stayer = centre
    course = make_course()
    now = utcnow()
    play = CasePlay(
        user_id=leaver.id, course_id=course.id, case_slug="c", version_id=1,
        registration="r-1", path=[], current_scene="s", started_at=now,
    )  # fmt: skip
    db.session.add(play)
    db.session.flush()
    db.session.add(Reflection(play_id=play.id, prompt_id="p", text="我的经历……", submitted_at=now))
    certificate = Certificate(
        serial="STC-1", code="ABCD-EFGH", credential_id="urn:uuid:1", user_id=leaver.id,
        organisation_id=org.id, course_id=course.id, template="default",
        recipient_name="Zhang Wei", course_title={"en": "x"}, completed_at=now, issued_at=now,
        status_index=0, token="t", kid="k", public=True,
    )  # fmt: skip
    db.session.add(certificate)
    db.session.commit()

    login(leaver)
    refused = client.post("/account/delete", data={"password": "wrong", "confirm": "yes"})
    assert refused.status_code == 302
    assert db.session.get(type(leaver), leaver.id).deleted_at is None
    done = client.post(
        "/account/delete",
        data={"password": PASSWORD, "confirm": "yes", "certificates": "withdraw"},
    )
    assert done.status_code == 302
    db.session.expire_all()
    person = db.session.get(type(leaver), leaver.id)
    assert person.deleted_at is not None
    assert "Zhang" not in person.display_name and person.email.endswith("@deleted.invalid")
    assert _membership_id(org, person) is None
    assert db.session.scalar(select(Reflection.text)) == ""
    withdrawn = db.session.get(Certificate, certificate.id)
    assert withdrawn.status == "revoked" and withdrawn.recipient_name == "—"
    assert not withdrawn.public
    # Signed out, and the old address no longer signs in.
    assert client.get("/account").status_code == 302
    assert client.post("/login", data={"email": "leaver@centre.example", "password": PASSWORD})
    assert client.get("/account").status_code == 302
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.delete"))
