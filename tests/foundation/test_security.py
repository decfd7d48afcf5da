"""Headers, cookies, CSRF, production settings, rate limiting, error pages."""

from __future__ import annotations

import pytest

from course import create_app
from course.config import ConfigError
from tests.conftest import PASSWORD


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_inline_scripts_or_styles_in_pages(client):
    page = client.get("/login").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "onclick" not in page


def test_session_cookie_flags(client, create_user):
    user = create_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("COURSE_ENV", "production")
    monkeypatch.setenv("COURSE_SECRET_KEY", "p" * 64)
    monkeypatch.setenv("COURSE_BASE_URL", "https://learn.example.org")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_production_refuses_a_development_key(monkeypatch):
    monkeypatch.setenv("COURSE_ENV", "production")
    monkeypatch.delenv("COURSE_SECRET_KEY", raising=False)
    monkeypatch.setenv("COURSE_BASE_URL", "https://learn.example.org")
    with pytest.raises(ConfigError):
        create_app()


def test_csrf_is_required_on_posts(make_app, create_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert (
        client.post("/login", data={"email": "a@example.com", "password": "x"}).status_code == 400
    )
    assert client.post("/language", data={"lang": "en"}).status_code == 400


def test_login_is_throttled_per_account_and_per_address(make_app, tmp_path):
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'limits.db'}",
        LOGIN_LIMIT="3 per minute",
    )
    client = app.test_client()

    def attempt(email, address):
        return client.post(
            "/login",
            data={"email": email, "password": "wrong-password"},
            environ_base={"REMOTE_ADDR": address},
        ).status_code

    # one account from many addresses
    assert [attempt("target@example.com", f"10.0.0.{n}") for n in range(4)] == [200, 200, 200, 429]
    # many accounts from one address
    assert [attempt(f"u{n}@example.com", "10.9.9.9") for n in range(4)] == [200, 200, 200, 429]


def test_rate_limit_store_is_shared_between_app_instances(make_app, tmp_path):
    """Two apps (as two gunicorn workers) count in the same SQLite store."""
    config = dict(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'shared.db'}",
        LOGIN_LIMIT="2 per minute",
    )
    first, second = make_app(**config).test_client(), make_app(**config).test_client()
    data = {"email": "x@example.com", "password": "wrong-password"}
    statuses = [c.post("/login", data=data).status_code for c in (first, second, first)]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("lang,text", [("zh-CN", 'lang="zh-CN"'), ("en", 'lang="en"')])
def test_error_pages_in_both_languages(client, lang, text):
    response = client.get(f"/no-such-page?lang={lang}")
    assert response.status_code == 404 and text in response.get_data(as_text=True)


def test_the_production_app_serves_no_benchmark_routes(make_app, monkeypatch):
    """The constant routes live in ``bench/benchapp.py``, which wraps the factory."""
    monkeypatch.setenv("COURSE_BENCH", "1")
    app = make_app(BENCH=True)
    assert [rule.rule for rule in app.url_map.iter_rules() if "bench" in rule.rule] == []
    response = app.test_client().get("/bench/constant")
    assert response.status_code == 404
