"""Organisation pages: create, settings, invitations, staff import, cohorts and assignments."""

from __future__ import annotations

import io
import re

from course.catalog.models import Course
from course.extensions import db
from course.orgs.models import Assignment, Cohort, Membership, Organisation, StaffImport
from tests.conftest import outbox
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


def _upload(client, org, data: bytes):
    return client.post(
        f"/orgs/{org.slug}/import",
        data={"file": (io.BytesIO(data), "staff.csv")},
        content_type="multipart/form-data",
    )


def test_staff_import_preview_names_bad_rows_and_imports_nothing(
    client, create_user, create_org, add_member, login
):
    admin, org = create_user(), create_org()
    add_member(admin, org, "org_admin")
    login(admin)
    data = (GOOD + "Broken,not-an-email,1,x,trainee\n").encode("gbk")
    response = _upload(client, org, data)
    assert response.status_code == 302
    status_url = response.headers["Location"]
    page = client.get(status_url).get_data(as_text=True)
    assert "张伟" in page and "not-an-email" in page
    assert re.search(r"Line 4:[^<]*not-an-email", page)
    assert "/confirm" not in page
    errors_only = client.get(status_url + "?action=error").get_data(as_text=True)
    assert "not-an-email" in errors_only and "张伟" not in errors_only
    job = db.session.scalar(db.select(StaffImport))
    assert client.post(f"/orgs/{org.slug}/imports/{job.id}/confirm").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 1


def test_staff_import_header_problems_are_shown_at_once(
    client, create_user, create_org, add_member, login
):
    admin, org = create_user(), create_org()
    add_member(admin, org, "org_admin")
    login(admin)
    page = _upload(client, org, b"name,phone\nx,1\n").get_data(as_text=True)
    assert "columns name and email" in page
    assert db.session.scalar(db.select(db.func.count()).select_from(StaffImport)) == 0


def test_staff_import_confirm_imports_and_mails_a_welcome_link(
    app, client, create_user, create_org, add_member, login
):
    admin, org = create_user(), create_org()
    add_member(admin, org, "org_admin")
    login(admin)
    status_url = _upload(client, org, GOOD.encode("utf-8-sig")).headers["Location"]
    job = db.session.scalar(db.select(StaffImport))
    progress = client.get(f"/orgs/{org.slug}/imports/{job.id}.json").get_json()
    assert progress["state"] == "previewed" and progress["percent"] == 100
    assert f'action="/orgs/{org.slug}/imports/{job.id}/confirm"' in client.get(status_url).text
    assert client.post(f"/orgs/{org.slug}/imports/{job.id}/confirm").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == 3
    progress = client.get(f"/orgs/{org.slug}/imports/{job.id}.json").get_json()
    assert progress["state"] == "done" and progress["mailed"] == progress["to_mail"] == 2
    # A second confirmation imports nothing more.
    assert client.post(f"/orgs/{org.slug}/imports/{job.id}/confirm").status_code == 302

    # The new account has no password: signing in is refused like any wrong password...
    client.post("/logout")
    refused = client.post("/login", data={"email": "zhangwei@example.com", "password": ""})
    assert "not correct" in refused.text or refused.status_code == 200
    for guess in ("", "password", "!"):
        page = client.post("/login", data={"email": "zhangwei@example.com", "password": guess})
        assert page.status_code == 200 and "/logout" not in page.text
    # ...until its holder sets one through the welcome link.
    mails = [m for m in outbox() if m["To"] == "zhangwei@example.com"]
    link = re.search(r"http://localhost(/welcome/\S+)", mails[-1].get_content()).group(1)
    assert client.get(link).status_code == 200
    new = "a-long-new-password"
    assert client.post(link, data={"password": new, "confirm": new}).status_code == 302
    assert client.get(link).status_code == 400  # used once
    assert (
        client.post("/login", data={"email": "zhangwei@example.com", "password": new}).status_code
        == 302
    )


def test_the_reset_link_works_for_an_imported_account(
    app, client, create_user, create_org, add_member, login
):
    admin, org = create_user(), create_org()
    add_member(admin, org, "org_admin")
    login(admin)
    job_url = _upload(client, org, GOOD.encode()).headers["Location"]
    client.post(job_url + "/confirm")
    client.post("/logout")
    client.post("/password/forgot", data={"email": "zhangwei@example.com"})
    bodies = [m.get_content() for m in outbox() if m["To"] == "zhangwei@example.com"]
    link = next(
        re.search(r"http://localhost(/password/reset/\S+)", b)
        for b in bodies
        if "/password/reset/" in b
    ).group(1)
    new = "another-long-password"
    assert client.post(link, data={"password": new, "confirm": new}).status_code == 302
    assert (
        client.post("/login", data={"email": "zhangwei@example.com", "password": new}).status_code
        == 302
    )


def test_member_list_pages_and_filters_on_the_server(
    client, create_user, create_org, add_member, login
):
    admin, org = create_user(display_name="Admin"), create_org()
    add_member(admin, org, "org_admin")
    for i in range(60):
        add_member(
            create_user(display_name=f"Staff {i:02d}"),
            org,
            "trainee",
            department="前台" if i % 2 else "后台",
        )
    login(admin)
    first = client.get(f"/orgs/{org.slug}").text
    assert "(61)" in first and "Staff 48" in first and "Staff 49" not in first
    assert "Page 1 of 2" in first
    second = client.get(f"/orgs/{org.slug}?page=2").text
    assert "Staff 49" in second and "Staff 48" not in second
    filtered = client.get(f"/orgs/{org.slug}?q=前台").text
    assert "(30)" in filtered and "Staff 01" in filtered and "Staff 02" not in filtered
    admins = client.get(f"/orgs/{org.slug}?role=org_admin").text
    assert "(1)" in admins and "Staff 01" not in admins


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
    page = client.get(url + "?add_q=" + trainee.display_name).text
    assert trainee.display_name in page and outsider.display_name not in page
    client.post(url, data={"action": "add", "member": [str(trainee.id), str(outsider.id)]})
    db.session.refresh(cohort)
    assert [m.user_id for m in cohort.members] == [trainee.id]
    assert "(1)" in client.get(url).text
    client.post(url, data={"action": "remove", "member": [str(trainee.id)]})
    db.session.refresh(cohort)
    assert cohort.members == []
    client.post(url, data={"action": "add", "member": [str(trainee.id)]})
    _published_course("service-team-collaboration", "服务团队协作")
    client.post(url, data={"course_slug": "service-team-collaboration", "due_on": "2026-12-31"})
    assignment = db.session.scalar(db.select(Assignment))
    assert assignment.due_at.isoformat() == "2026-12-31T23:59:00+00:00"


def _published_course(slug: str, title_zh: str, published: bool = True) -> Course:
    course = Course(
        slug=slug,
        title={"zh-CN": title_zh, "en": slug.replace("-", " ").title()},
        is_published=published,
        current_number=1,
    )
    db.session.add(course)
    db.session.commit()
    return course


def test_a_cohort_is_given_a_published_course_chosen_from_a_list(
    client, create_user, create_org, add_member, login
):
    admin, org = create_user(), create_org()
    add_member(admin, org, "org_admin")
    _published_course("fire-safety", "消防安全")
    _published_course("draft-course", "草稿课程", published=False)
    cohort = Cohort(organisation_id=org.id, name="2026 春")
    db.session.add(cohort)
    db.session.commit()
    login(admin)
    url = f"/orgs/{org.slug}/cohorts/{cohort.id}"
    page = client.get(url + "?lang=zh-CN").text
    select = re.search(r'<select[^>]*name="course_slug".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option[^>]*value="([^"]*)"', select) == ["", "fire-safety"]
    assert "消防安全" in select and "草稿课程" not in select

    # Typing a title, an unknown slug or an unpublished course is refused; nothing is created.
    for typed in ("消防安全", "no-such-course", "draft-course"):
        refused = client.post(url + "?lang=zh-CN", data={"course_slug": typed})
        assert refused.status_code == 200
        assert f"没有地址名为“{typed}”的已发布课程" in refused.text
    assert db.session.scalar(db.select(db.func.count()).select_from(Assignment)) == 0

    assert client.post(url, data={"course_slug": "fire-safety"}).status_code == 302
    assert client.post(url, data={"course_slug": "fire-safety"}).status_code == 302
    [assignment] = db.session.scalars(db.select(Assignment)).all()
    assert (assignment.cohort_id, assignment.course_slug) == (cohort.id, "fire-safety")
    assert "消防安全 (fire-safety)" in client.get(url + "?lang=zh-CN").text


def test_staff_import_offers_a_template_in_the_page_language(
    client, create_user, create_org, add_member, login
):
    from course.orgs.staff_import import check_rows, read_table

    admin, trainee, org = create_user(), create_user(), create_org()
    add_member(admin, org, "org_admin")
    add_member(trainee, org, "trainee")
    login(admin)
    template_url = f"/orgs/{org.slug}/import/template.csv"
    assert template_url in client.get(f"/orgs/{org.slug}/import").text
    headers = {}
    for lang in ("zh-CN", "en"):
        response = client.get(f"{template_url}?lang={lang}")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        assert response.data.startswith(b"\xef\xbb\xbf")
        headers[lang] = response.data.decode("utf-8-sig").splitlines()[0]
        rows, errors = check_rows(read_table(response.data))
        assert errors == [] and len(rows) == 1 and rows[0].role == "trainee"
    assert headers == {"zh-CN": "姓名,邮箱,工号,部门,角色",
                       "en": "name,email,employee_number,department,role"}  # fmt: skip
    client.post("/logout")
    login(trainee)
    assert client.get(template_url).status_code == 403
