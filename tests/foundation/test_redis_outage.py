"""Redis goes away and comes back: sign-in keeps working on in-process limits, readiness can
say so, and the job worker picks up again (queued jobs kept by Redis's append-only file)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course.accounts.service import create_user
from course.db import utcnow
from course.extensions import db, limiter
from course.ratelimit import redis_state
from tests.conftest import PASSWORD


def test_sign_in_survives_a_redis_outage(make_app, redis_server, monkeypatch):
    monkeypatch.setattr(limiter, "_storage_dead", False)  # the limiter is one per process
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=redis_server.url,
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 1},
        LOGIN_LIMIT="3 per minute",
    )
    with app.app_context():
        create_user(db.session, "clerk@example.com", PASSWORD, "Clerk", utcnow())
        db.session.commit()
    client = app.test_client()

    def sign_in(password=PASSWORD, address="203.0.113.1"):
        response = client.post(
            "/login",
            data={"email": "clerk@example.com", "password": password},
            environ_base={"REMOTE_ADDR": address},
        )
        client.post("/logout")
        return response.status_code

    assert sign_in() == 302
    assert redis_state(redis_server.url).reachable

    redis_server.stop()
    state = redis_state(redis_server.url)
    assert state.configured and not state.reachable and state.degraded
    assert "per process" in state.detail
    assert sign_in(address="203.0.113.2") == 302  # not a 500
    # the limit still holds, counted in this process
    codes = [sign_in("wrong-password", address="198.51.100.4") for _ in range(4)]
    assert 429 in codes and 500 not in codes

    redis_server.start()
    assert redis_state(redis_server.url).reachable


def test_redis_state_without_redis():
    state = redis_state("")
    assert not state.configured and not state.degraded


WORKER_SCRIPT = """
from course.accounts.tasks import send_mail_task
send_mail_task({to!r}, "Queued", "Body")
"""


def _enqueue(env: dict, to: str) -> None:
    script = WORKER_SCRIPT.format(to=to)
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)


def _wait_for(folder: Path, to: str, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    name = to.replace("@", "_at_")
    while not any(name in path.name for path in folder.rglob("*.eml")):
        if time.monotonic() > deadline:
            raise AssertionError(f"no e-mail to {to} within {timeout} s")
        time.sleep(0.2)


@pytest.mark.slow
def test_jobs_resume_when_redis_returns(redis_server, tmp_path):
    instance = tmp_path / "instance"
    env = dict(
        os.environ,
        COURSE_INSTANCE_PATH=str(instance),
        COURSE_REDIS_URL=redis_server.url,
        COURSE_JOBS_IMMEDIATE="0",
    )
    course = Path(sys.executable).with_name("course")
    worker = subprocess.Popen(
        [str(course), "worker", "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _enqueue(env, "before@example.com")
        _wait_for(instance, "before@example.com")

        redis_server.stop()
        time.sleep(3)  # the worker's reads fail and back off meanwhile
        redis_server.start()
        _enqueue(env, "after@example.com")
        _wait_for(instance, "after@example.com")

        # a job queued while no worker runs survives a Redis restart (append-only file)
        worker.terminate()
        worker.wait(timeout=30)
        _enqueue(env, "kept@example.com")
        redis_server.stop()
        redis_server.start()
        worker = subprocess.Popen(
            [str(course), "worker", "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(instance, "kept@example.com")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
