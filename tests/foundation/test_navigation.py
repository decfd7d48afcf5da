"""The header's role menu, the search box, the landing page and the empty dashboard."""

from __future__ import annotations

import pytest


@pytest.fixture
def people(create_user, create_org, add_member):
    org = create_org(slug="centre", name={"zh-CN": "政务中心", "en": "Service Centre"})
    admin, teacher, trainee = create_user(), create_user(), create_user()
    add_member(admin, org, "org_admin")
    add_member(teacher, org, "instructor")
    add_member(trainee, org, "trainee")
    platform = create_user(is_platform_admin=True)
    return org, admin, teacher, trainee, platform


def _header(client) -> str:
    page = client.get("/dashboard").get_data(as_text=True)
    return page[page.index("<header") : page.index("</header>")]


def test_each_role_finds_its_work_in_the_menu(app, people):
    org, admin, teacher, trainee, platform = people
    from tests.conftest import PASSWORD

    def header_for(user):
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        return _header(client)

    mine = header_for(trainee)
    assert "/certificates" in mine and "/records" in mine
    assert "/author/" not in mine and "/orgs/centre" not in mine and "/admin/" not in mine
    taught = header_for(teacher)
    assert "/author/" in taught and "/teach/essays" in taught and "/orgs/centre" not in taught
    managed = header_for(admin)
    for path in ("/orgs/centre", "/reports/orgs/centre", "/orgs/centre/certificates",
                 "/orgs/centre/import", "/orgs/centre/audit"):  # fmt: skip
        assert f'href="{path}"' in managed
    assert "Service Centre" in managed
    everything = header_for(platform)
    assert "/admin/organisations" in everything and "/admin/users" in everything
    assert "/admin/audit" in everything


def test_the_header_searches_courses_and_lessons(client):
    page = client.get("/").get_data(as_text=True)
    assert 'role="search"' in page and 'action="/search"' in page and 'name="q"' in page


def test_the_landing_page_shows_courses_and_the_verification_box(client):
    page = client.get("/").get_data(as_text=True)
    assert "Published courses" in page
    assert 'action="/verify"' in page and 'name="code"' in page
    assert 'rel="icon"' in page and client.get("/static/favicon.svg").status_code == 200


def test_an_empty_dashboard_links_to_the_catalogue(client, login, create_user):
    login(create_user())
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/courses"' in page[page.index("<main") :]
