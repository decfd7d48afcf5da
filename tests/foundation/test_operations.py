"""Health, readiness, metrics and logs: what an operator's tools read."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from course import logs

ROOT = Path(__file__).parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- health ----------------------------------------------------------------------------------


def test_healthz_answers_without_cookies_or_dependencies(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers


def test_readyz_names_each_dependency(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "store"}
    assert all(check["state"] == "up" for check in body["checks"].values())
    assert "Set-Cookie" not in response.headers


def test_readyz_is_503_when_the_database_is_gone(tmp_path):
    from course import create_app
    from tests.conftest import _base_config

    # An app of its own (not ``make_app``, whose clean-up would empty the test database).
    app = create_app(
        _base_config(f"sqlite:///{tmp_path}/missing/folder/db.sqlite", tmp_path / "instance")
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"]["state"] == "down"
    assert "error" in body["checks"]["database"]


def test_readyz_says_degraded_when_redis_is_unreachable(make_app):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{_free_port()}/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 200  # sign-in and pages still work without Redis
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"]["state"] == "down"


def test_health_endpoints_are_not_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute")
    client = app.test_client()
    codes = {client.get(path).status_code for path in ["/healthz", "/readyz"] * 5}
    assert codes == {200}


# --- metrics ---------------------------------------------------------------------------------


def _sample(text: str, name: str, **labels) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.partition("}")[0]))
        if all(found.get(key) == value for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_count_requests_by_route_for_loopback_only(make_app):
    app = make_app(METRICS_TOKEN="s3cret-token")
    client = app.test_client()
    before = _sample(
        client.get("/metrics").get_data(as_text=True),
        "course_http_requests_total",
        route="/healthz",
        status="200",
    )
    for _ in range(3):
        client.get("/healthz")
    page = client.get("/metrics")
    assert page.status_code == 200
    assert page.mimetype == "text/plain"
    text = page.get_data(as_text=True)
    after = _sample(text, "course_http_requests_total", route="/healthz", status="200")
    assert after - before == 3
    assert "course_http_request_duration_seconds_bucket" in text
    assert "course_job_queue_depth" in text

    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", environ_base=remote).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/metrics", environ_base=remote, headers=wrong).status_code == 403
    right = {"Authorization": "Bearer s3cret-token"}
    assert client.get("/metrics", environ_base=remote, headers=right).status_code == 200


def test_failed_sign_ins_are_counted(client, create_user):
    user = create_user()
    text = client.get("/metrics").get_data(as_text=True)
    before = _sample(text, "course_sign_in_failures_total")
    client.post("/login", data={"email": user.email, "password": "wrong-password"})
    text = client.get("/metrics").get_data(as_text=True)
    assert _sample(text, "course_sign_in_failures_total") == before + 1


@pytest.mark.slow
def test_metrics_add_up_across_two_gunicorn_workers(tmp_path):
    """Requests spread over two worker processes; one scrape reports them all."""
    port = _free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = dict(
        os.environ,
        COURSE_INSTANCE_PATH=str(tmp_path / "instance"),
        COURSE_DATABASE_URL=f"sqlite:///{tmp_path}/course.db",
        COURSE_SECRET_KEY="x" * 40,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "-c", "python:course.gunicorn_conf", "-w", "2", "-b",
         f"127.0.0.1:{port}", "course.wsgi:app"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)

        def hit(_):
            with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
                return response.status

        def counted() -> float:
            text = urllib.request.urlopen(base + "/metrics", timeout=30).read().decode()
            return _sample(text, "course_http_requests_total", route="/healthz", status="200")

        before = counted()
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(hit, range(60))) == {200}
        pids = {
            name.rsplit("_", 1)[1].removesuffix(".db")
            for name in os.listdir(metrics_dir)
            if name.startswith("counter_")
        }
        assert len(pids) >= 2, "the requests should have reached both workers"
        assert counted() - before == 60
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- logs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "GET /password/reset/IjEyMyI.Zx9.abcDEF 200",
        "POST /invitations/9f8e7d6c5b4a/accept 302",
        "password=hunter2&email=a@b.c",
        '{"token": "eyJhbGciOi.abc.def"}',
        "Authorization: Bearer abc.def.ghi",
    ],
)
def test_redact_masks_links_and_secret_values(line):
    masked = logs.redact(line)
    assert "[redacted]" in masked
    for secret in ("IjEyMyI", "9f8e7d6c5b4a", "hunter2", "eyJhbGciOi", "abc.def.ghi"):
        assert secret not in masked


@pytest.fixture
def captured_logs():
    stream = io.StringIO()
    handler = logs.configure("json", "INFO", stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)


def test_json_access_lines_carry_request_and_user_ids(client, create_user, login, captured_logs):
    user = create_user()
    login(user)
    response = client.get("/healthz?x=1", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    client.get("/")
    lines = [json.loads(line) for line in captured_logs.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "course.access"]
    assert access, lines
    page = access[-1]
    assert page["user_id"] == user.id
    assert re.fullmatch(r"[0-9a-f]{32}", page["request_id"])
    assert {"method", "path", "status", "duration_ms"} <= set(page)


def test_reset_links_and_passwords_never_reach_the_log(app, client, create_user, captured_logs):
    from course import storage

    user = create_user()
    client.post("/password/forgot", data={"email": user.email})
    mail = storage.read(list(storage.keys("outbox/"))[-1]).decode()
    link = re.search(r"https?://\S+/password/reset/(\S+)", mail)
    token = link.group(1)
    client.get(f"/password/reset/{token}")
    client.post(
        f"/password/reset/{token}", data={"password": "a-new-secret-9", "confirm": "a-new-secret-9"}
    )
    client.post("/login", data={"email": user.email, "password": "correct-horse-battery"})
    text = captured_logs.getvalue()
    assert "/password/reset/[redacted]" in text
    assert token not in text
    assert "a-new-secret-9" not in text and "correct-horse-battery" not in text
