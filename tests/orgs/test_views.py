"""Organisation pages: create, settings, invitations, staff import, cohorts and assignments."""

from __future__ import annotations

import io
import re

from course.extensions import db
from course.orgs.models import Assignment, Cohort, Membership, Organisation
from tests.orgs.test_staff_import import GOOD
from tests.samples import PNG


def test_platform_admin_creates_an_organisation(client, create_user, login):
    login(create_user(is_platform_admin=True))
    response = client.post(
        "/admin/organisations",
        data={
            "slug": "city-centre",
            "name_zh": "市民中心",
            "name_en": "City Centre",
            "self_registration": "y",
        },
    )
    assert response.status_code == 302
    org = db.session.scalar(db.select(Organisation).filter_by(slug="city-centre"))
    assert org.name == {"zh-CN": "市民中心", "en": "City Centre"}


def test_org_admin_uploads_branding(client, create_user, create_org, add_member, login):
    admin, org = create_user(), create_org()
    add_member(admin, org, "org_admin")
    login(admin)
    png = PNG
    response = client.post(
        f"/orgs/{org.slug}/settings",
        data={
            "name_zh": "新名",
            "name_en": "New",
            "signatory_name": "陈明",
            "seal": (io.BytesIO(png), "seal.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.seal_key and org.signatory_name == "陈明"
    assert client.get(f"/orgs/{org.slug}/branding/seal").data == png


def test_staff_import_preview_names_bad_rows_and_imports_nothing(
    client, create_user, create_org, add_member, login
):
    admin, org = create_user(), create_org()
    add_member(admin, org, "org_admin")
    login(admin)
    data = (GOOD + "Broken,not-an-email,1,x,trainee\n").encode("gbk")
    page = client.post(
        f"/orgs/{org.slug}/import",
        data={"file": (io.BytesIO(data), "staff.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "张伟" in page and "not-an-email" in page
    assert re.search(r"<li>[^<]*\b4\b[^<]*not-an-email", page)
    assert f'action="/orgs/{org.slug}/import/confirm"' not in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 1


def test_staff_import_confirm_imports_and_mails_new_people(
    app, client, create_user, create_org, add_member, login
):
    admin, org = create_user(), create_org()
    add_member(admin, org, "org_admin")
    login(admin)
    page = client.post(
        f"/orgs/{org.slug}/import",
        data={"file": (io.BytesIO(GOOD.encode("utf-8-sig")), "staff.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    token = re.search(r'name="token"[^>]*value="([0-9a-f]+)"', page).group(1)
    assert client.post(f"/orgs/{org.slug}/import/confirm", data={"token": token}).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 3


def test_invitation_link_makes_a_member(app, client, create_user, create_org, add_member, login):
    admin, org, invitee = create_user(), create_org(), create_user(email="new@example.com")
    add_member(admin, org, "org_admin")
    login(admin)
    client.post(f"/orgs/{org.slug}/invite", data={"email": invitee.email, "role": "instructor"})
    from tests.conftest import outbox

    body = outbox()[-1].get_content()
    link = re.search(r"http://localhost(/invitations/\S+)", body).group(1)
    client.post("/logout")
    login(invitee)
    assert client.post(link).status_code == 302
    membership = db.session.scalar(db.select(Membership).filter_by(user_id=invitee.id))
    assert membership.role == "instructor"
    assert client.post(link).status_code == 404  # used once


def test_self_join_respects_the_setting(client, create_user, create_org, login):
    open_org, closed_org = create_org(), create_org(self_registration=False)
    login(create_user())
    assert client.post(f"/orgs/{open_org.slug}/join").status_code == 302
    assert client.post(f"/orgs/{closed_org.slug}/join").status_code == 403


def test_cohort_members_and_assignment(client, create_user, create_org, add_member, login):
    admin, trainee, org = create_user(), create_user(), create_org()
    add_member(admin, org, "org_admin")
    add_member(trainee, org, "trainee")
    outsider = create_user()
    login(admin)
    client.post(f"/orgs/{org.slug}/cohorts", data={"name": "2026 秋季新员工"})
    cohort = db.session.scalar(db.select(Cohort))
    url = f"/orgs/{org.slug}/cohorts/{cohort.id}"
    client.post(url, data={"action": "members", "member": [str(trainee.id), str(outsider.id)]})
    db.session.refresh(cohort)
    assert [m.user_id for m in cohort.members] == [trainee.id]
    client.post(url, data={"course_slug": "service-team-collaboration", "due_on": "2026-12-31"})
    assignment = db.session.scalar(db.select(Assignment))
    assert assignment.due_at.isoformat() == "2026-12-31T23:59:00+00:00"
