"""Every absolute link comes from COURSE_BASE_URL, never from the request's Host header; in
production the base URL is required and foreign hosts get 400."""

from __future__ import annotations

import pytest

from course import create_app
from course.certificates.signing import config_from
from course.config import ConfigError
from course.links import external_url
from tests.conftest import outbox

BASE = "https://learn.example.org"


def _last_mail(app) -> str:
    with app.app_context():
        return outbox()[-1].get_content()


def test_password_reset_link_ignores_a_forged_host(make_app, create_user):
    app = make_app(BASE_URL=BASE)
    with app.app_context():
        user = create_user(email="victim@example.com")
        client = app.test_client()
        response = client.post(
            "/password/forgot", data={"email": user.email}, headers={"Host": "evil.example"}
        )
        assert response.status_code == 302
        body = _last_mail(app)
    assert f"{BASE}/password/reset/" in body
    assert "evil.example" not in body


def test_invitation_link_ignores_a_forged_host(make_app, create_user, create_org, add_member):
    app = make_app(BASE_URL=BASE)
    with app.app_context():
        org = create_org()
        admin = create_user()
        add_member(admin, org, "org_admin")
        client = app.test_client()
        forged = {"Host": "evil.example:8443"}
        password = "correct-horse-battery"
        client.post("/login", data={"email": admin.email, "password": password}, headers=forged)
        client.post(
            f"/orgs/{org.slug}/invite",
            data={"email": "new@example.com", "role": "trainee"},
            headers=forged,
        )
        body = _last_mail(app)
    assert f"{BASE}/invitations/" in body and "evil.example" not in body


def test_external_url_works_outside_a_request(make_app):
    app = make_app(BASE_URL="https://learn.example.org/training/")
    with app.app_context():
        assert external_url("certificates.verify_code", code="abc") == (
            "https://learn.example.org/training/verify/abc"
        )
        assert external_url("catalog.course", slug="x", _anchor="top").endswith("/courses/x#top")


def test_certificate_links_follow_the_base_url(make_app):
    app = make_app(BASE_URL="http://127.0.0.1:8123")
    with app.test_request_context("/", base_url="http://evil.example"):
        config = config_from(app.config)
        assert config.verify_url("c0de") == "http://127.0.0.1:8123/verify/c0de"


def test_development_base_url_follows_the_served_port(monkeypatch):
    monkeypatch.delenv("COURSE_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "8123")
    app = create_app()
    assert app.config["BASE_URL"] == "http://127.0.0.1:8123"
    with app.app_context():
        assert config_from(app.config).verify_url("x") == "http://127.0.0.1:8123/verify/x"


def test_serve_passes_its_port_to_the_web_and_job_workers(monkeypatch):
    import subprocess

    from course.cli import serve

    seen = []

    class Child:
        def __init__(self, args, env=None):
            seen.append(dict(env if env is not None else __import__("os").environ))

        def poll(self):
            return 0

        def wait(self, timeout=None):
            return 0

        def terminate(self):
            pass

    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.setattr(subprocess, "Popen", Child)
    monkeypatch.setattr("signal.signal", lambda *args: None)
    serve.main(["--port", "8123", "--workers", "1"], standalone_mode=False)
    assert [env["PORT"] for env in seen] == ["8123", "8123"]
    # The children's settings are theirs: the serving process's own environment is unchanged.
    assert "PROMETHEUS_MULTIPROC_DIR" not in __import__("os").environ


def _production(monkeypatch, **env):
    monkeypatch.setenv("COURSE_ENV", "production")
    monkeypatch.setenv("COURSE_SECRET_KEY", "p" * 64)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_production_refuses_to_start_without_a_base_url(monkeypatch):
    _production(monkeypatch)
    monkeypatch.delenv("COURSE_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="COURSE_BASE_URL"):
        create_app()


@pytest.mark.parametrize("value", ["learn.example.org", "ftp://x.example", "https://x.example/?a"])
def test_a_malformed_base_url_is_refused(monkeypatch, value):
    _production(monkeypatch, COURSE_BASE_URL=value)
    with pytest.raises(ConfigError):
        create_app()


def test_production_answers_400_to_a_foreign_host(monkeypatch):
    _production(
        monkeypatch, COURSE_BASE_URL=BASE, COURSE_TRUSTED_HOSTS="www.example.org, .cdn.example"
    )
    client = create_app().test_client()
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": "learn.example.org.evil"}).status_code == 400
    assert client.get("/login", headers={"Host": "learn.example.org"}).status_code == 200
    assert client.get("/login", headers={"Host": "www.example.org"}).status_code == 200
    assert client.get("/login", headers={"Host": "a.cdn.example"}).status_code == 200


def test_development_accepts_any_host(client):
    assert client.get("/login", headers={"Host": "127.0.0.1:8000"}).status_code == 200
