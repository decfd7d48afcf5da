"""Behind a reverse proxy (COURSE_TRUSTED_PROXIES): the client's own address counts."""

from __future__ import annotations

import pytest

PROXY = "10.1.1.1"  # nginx, the address every request arrives from


@pytest.fixture
def attempt_factory(make_app, tmp_path):
    def factory(**config):
        app = make_app(
            RATELIMIT_ENABLED=True,
            RATELIMIT_STORAGE_URI=f"sqlite:///{tmp_path / 'limits.db'}",
            LOGIN_LIMIT="3 per minute",
            **config,
        )
        client = app.test_client()

        def attempt(email: str, forwarded_for: str) -> int:
            return client.post(
                "/login",
                data={"email": email, "password": "wrong-password"},
                headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"},
                environ_base={"REMOTE_ADDR": PROXY},
            ).status_code

        return attempt

    return factory


def test_each_client_behind_the_proxy_has_its_own_sign_in_limit(attempt_factory):
    attempt = attempt_factory(TRUSTED_PROXIES=1)
    # a province's staff signing in through one proxy: nobody is throttled for the others
    assert [attempt(f"staff{n}@example.com", f"203.0.113.{n}") for n in range(8)] == [200] * 8
    # one address trying many accounts still is
    codes = [attempt(f"guess{n}@example.com", "198.51.100.7") for n in range(4)]
    assert codes == [200, 200, 200, 429]


def test_a_client_cannot_forge_its_address(attempt_factory):
    attempt = attempt_factory(TRUSTED_PROXIES=1)
    # the client sends its own X-Forwarded-For; nginx appends the address it saw
    codes = [
        attempt(f"forge{n}@example.com", f"192.0.2.{n}, 198.51.100.9") for n in range(4)
    ]  # fmt: skip
    assert codes == [200, 200, 200, 429]


def test_without_trusted_proxies_everyone_shares_the_proxy_address(attempt_factory):
    attempt = attempt_factory()
    codes = [attempt(f"staff{n}@example.com", f"203.0.113.{n}") for n in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_forwarded_scheme_and_host_are_used(make_app):
    app = make_app(TRUSTED_PROXIES=1)
    seen = {}

    @app.get("/_probe")
    def probe():
        from flask import request

        seen.update(scheme=request.scheme, host=request.host, addr=request.remote_addr)
        return "ok"

    app.test_client().get(
        "/_probe",
        headers={
            "X-Forwarded-For": "203.0.113.5",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "training.example.gov.cn",
        },
        environ_base={"REMOTE_ADDR": PROXY},
    )
    assert seen == {"scheme": "https", "host": "training.example.gov.cn", "addr": "203.0.113.5"}


def test_static_urls_carry_a_content_hash(app, client):
    import hashlib
    import re
    from pathlib import Path

    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'href="(/static/css/app\.css\?v=([0-9a-f]+))"', page)
    assert href, "the stylesheet link has no version"
    css = (Path(app.static_folder) / "css/app.css").read_bytes()
    assert href.group(2) == hashlib.sha256(css).hexdigest()[:12]
    assert client.get(href.group(1)).status_code == 200
