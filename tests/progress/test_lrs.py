"""Pushing statements to an LRS: a real Ralph LRS on loopback (file-system backend) receives a
trainee's journey complete, in order and exactly once across a crash and a restart of the
worker; refusals, back-off, credentials and organisation endpoints against a scripted LRS."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import httpx
import pytest
from sqlalchemy import select

from course.progress import push, records
from course.progress.lrs import Endpoint, LrsClient, seal_secret
from course.progress.models import LearningRecord, LrsEndpoint, LrsPosition, LrsRefusal
from tests.conftest import SECRET
from tests.progress.test_statements import journey

USER, PASSWORD = "platform", "lrs-secret-123"
LATER = datetime(2026, 12, 1, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def ralph(tmp_path):
    """A Ralph LRS (FastAPI app under uvicorn) on a free loopback port, stopped after the test."""
    folder = tmp_path / "ralph"
    (folder / "data").mkdir(parents=True)
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    account = {"account": {"homePage": "http://localhost", "name": USER}}
    (folder / "auth.json").write_text(
        json.dumps([{"agent": account, "scopes": ["all"], "hash": hashed, "username": USER}])
    )
    port = _free_port()
    env = {
        **os.environ,
        "RALPH_APP_DIR": str(folder),
        "RALPH_AUTH_FILE": str(folder / "auth.json"),
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "data"),
    }
    command = [sys.executable, str(Path(__file__).with_name("ralph_server.py")), str(port)]
    log = (folder / "ralph.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/xAPI"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/__heartbeat__", timeout=1).status_code:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("Ralph did not start: " + (folder / "ralph.log").read_text()[-2000:])
            time.sleep(0.2)
        yield {"url": url, "store": folder / "data" / "fs_lrs.jsonl"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


def _worker(app, ralph, *args) -> subprocess.CompletedProcess:
    """One run of the push worker as its own process (``course records push``)."""
    env = {
        **os.environ,
        "COURSE_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "COURSE_INSTANCE_PATH": app.config["INSTANCE_PATH"],
        "COURSE_SECRET_KEY": SECRET,
        "COURSE_BASE_URL": "http://moved.example.org",
        "COURSE_LRS_ENDPOINT": ralph["url"],
        "COURSE_LRS_USERNAME": USER,
        "COURSE_LRS_PASSWORD": PASSWORD,
        "COURSE_LRS_SETTLE_SECONDS": "0",
        "COURSE_RATELIMIT": "0",
    }
    course_bin = Path(sys.executable).with_name("course")
    return subprocess.run(
        [str(course_bin), "records", "push", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _config(ralph) -> dict:
    return {
        "LRS_ENDPOINT": ralph["url"],
        "LRS_USERNAME": USER,
        "LRS_PASSWORD": PASSWORD,
        "LRS_BATCH": 4,
        "LRS_SETTLE_SECONDS": 0,
        "SECRET_KEY": SECRET,
    }


@pytest.mark.lrs
def test_a_journey_arrives_complete_in_order_and_once_across_a_worker_restart(
    app, db_session, course, people, ralph, capsys
):
    journey(db_session, people, course)
    db_session.commit()
    expected = [s["id"] for s in records.statements(db_session, "http://unused")]
    assert len(expected) >= 10
    db_session.rollback()  # the worker processes write to the same database
    # the first worker sends one batch of 4, then stops
    first = _worker(app, ralph, "--batch", "4", "--max-batches", "1")
    assert first.returncode == 0, first.stderr
    assert "platform: 4 statements sent" in first.stdout
    # a worker that crashes after the LRS took the next batch but before it saved its position
    ((endpoint, _),) = push.endpoints(db_session, _config(ralph))
    client = LrsClient(endpoint)
    crashed = push.push_batch(db_session, endpoint, None, client, LATER, batch=4, settle=0)
    client.close()
    assert crashed.sent == 4
    db_session.rollback()
    db_session.close()
    # the restarted worker sends the rest (the batch the crash lost again, harmlessly)
    second = _worker(app, ralph, "--batch", "4")
    assert second.returncode == 0, second.stderr
    stored = [json.loads(line) for line in ralph["store"].read_text().splitlines()]
    ids = [statement["id"] for statement in stored]
    assert ids == expected  # complete, in order, exactly once
    answer = httpx.get(
        ralph["url"] + "/statements",
        params={"limit": 500},
        auth=(USER, PASSWORD),
        headers={"X-Experience-API-Version": "1.0.3"},
    )
    listed = [s["id"] for s in answer.json()["statements"]]
    assert sorted(listed) == sorted(expected)
    db_session.expire_all()
    position = db_session.get(LrsPosition, "platform")
    assert position.last_id == expected[-1] and position.failures == 0
    with capsys.disabled():
        print(f"\nRalph LRS accepted {len(set(listed))} of {len(expected)} statements, each once")


def test_a_statement_the_lrs_refuses_is_kept_with_the_reason(app, db_session, course, people):
    journey(db_session, people, course)
    db_session.commit()
    rows = list(db_session.scalars(select(LearningRecord).order_by(LearningRecord.timestamp)))
    bad = rows[2].id
    seen: list[list[str]] = []

    def lrs(request: httpx.Request) -> httpx.Response:
        assert request.headers["X-Experience-API-Version"] == "1.0.3"
        assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"u:p").decode()
        batch = json.loads(request.content)
        seen.append([s["id"] for s in batch])
        if any(s["id"] == bad for s in batch):
            return httpx.Response(409, json={"detail": f"Differing statements: {bad}"})
        return httpx.Response(200, json=[s["id"] for s in batch])

    endpoint = Endpoint("platform", "https://lrs.example.org/xapi", "basic", "u", "p")
    client = LrsClient(endpoint, transport=httpx.MockTransport(lrs))
    result = push.push_batch(db_session, endpoint, None, client, LATER, batch=5, settle=0)
    assert (result.sent, result.refused) == (4, 1)
    refusal = db_session.scalars(select(LrsRefusal)).one()
    assert (refusal.statement_id, refusal.status) == (bad, 409)
    assert "Differing statements" in refusal.reason
    result = push.push_batch(db_session, endpoint, None, client, LATER, batch=5, settle=0)
    assert bad not in [i for batch in seen[-1:] for i in batch]
    assert result.sent == 5


def test_failures_back_off_and_resume_where_they_stopped(app, db_session, course, people):
    journey(db_session, people, course)
    db_session.commit()
    up = {"ok": False}
    received: list[str] = []

    def lrs(request: httpx.Request) -> httpx.Response:
        if not up["ok"]:
            return httpx.Response(503, text="maintenance")
        received.extend(s["id"] for s in json.loads(request.content))
        return httpx.Response(204)

    endpoint = Endpoint("platform", "https://lrs.example.org/xapi", "basic", "u", "p")
    client = LrsClient(endpoint, transport=httpx.MockTransport(lrs))
    first = push.push_batch(db_session, endpoint, None, client, LATER, batch=3, settle=0)
    assert first.error.startswith("503") and first.sent == 0
    position = db_session.get(LrsPosition, "platform")
    assert position.retry_at == LATER + timedelta(seconds=30)
    again = push.push_batch(db_session, endpoint, None, client, LATER, batch=3, settle=0)
    assert again.waiting
    push.push_batch(db_session, endpoint, None, client, LATER + timedelta(seconds=31), 3, 0)
    assert position.retry_at == LATER + timedelta(seconds=31 + 60)
    up["ok"] = True
    moment = LATER + timedelta(minutes=5)
    while push.push_batch(db_session, endpoint, None, client, moment, batch=3, settle=0).more:
        pass
    expected = [s["id"] for s in records.statements(db_session, "http://unused")]
    assert received == expected
    assert position.failures == 0 and position.retry_at is None


def test_unsettled_statements_wait(app, db_session, course, people):
    journey(db_session, people, course)
    endpoint = Endpoint("platform", "https://lrs.example.org/xapi")
    client = LrsClient(endpoint, transport=httpx.MockTransport(lambda r: httpx.Response(204)))
    early = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)
    result = push.push_batch(db_session, endpoint, None, client, early, batch=50, settle=60)
    assert result.sent == 0


def test_oauth_credentials_fetch_a_token(app):
    calls = []

    def server(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/token":
            assert (
                request.headers["Authorization"]
                == "Basic " + base64.b64encode(b"client:shh").decode()
            )
            return httpx.Response(200, json={"access_token": "tok-1", "expires_in": 3600})
        assert request.headers["Authorization"] == "Bearer tok-1"
        return httpx.Response(200, json=[])

    endpoint = Endpoint(
        "platform", "https://lrs.example.org/xapi", "oauth", "client", "shh",
        "https://auth.example.org/token",
    )  # fmt: skip
    client = LrsClient(endpoint, transport=httpx.MockTransport(server))
    assert client.post([{"id": "x"}]).outcome == "ok"
    assert client.post([{"id": "y"}]).outcome == "ok"
    assert calls == ["/token", "/xapi/statements", "/xapi/statements"]


def test_an_organisation_gets_its_members_statements(app, db_session, course, people, runner):
    from course.orgs.models import Organisation

    journey(db_session, people, course)
    from course.progress import service

    service.complete_lesson(db_session, people.outsider, course, "listening", LATER)
    db_session.commit()
    result = runner.invoke(
        args=[
            "records", "lrs-endpoint", "cases-elsewhere", "https://org-lrs.example.org/xapi",
            "--username", "org", "--password", "org-secret",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    row = db_session.scalars(select(LrsEndpoint)).one()
    assert "org-secret" not in row.sealed_secret
    (found,) = push.endpoints(db_session, {"SECRET_KEY": SECRET})
    endpoint, organisation_id = found
    assert (endpoint.key, endpoint.secret) == ("org:cases-elsewhere", "org-secret")
    assert organisation_id == db_session.scalar(
        select(Organisation.id).where(Organisation.slug == "cases-elsewhere")
    )
    received = []

    def lrs(request):
        received.extend(json.loads(request.content))
        return httpx.Response(204)

    client = LrsClient(endpoint, transport=httpx.MockTransport(lrs))
    moment = LATER + timedelta(hours=1)
    push.push_batch(db_session, endpoint, organisation_id, client, moment, batch=50, settle=0)
    assert [s["actor"]["account"]["name"] for s in received] == [str(people.outsider.id)]


def test_sealed_secrets_need_the_key():
    sealed = seal_secret("pw", SECRET)
    from course.progress.lrs import unseal_secret

    assert unseal_secret(sealed, SECRET) == "pw"
    with pytest.raises(Exception):  # noqa: B017
        unseal_secret(sealed, "another-key")


def test_records_without_a_stored_statement_are_not_sent(app, db_session, course, people):
    from course.progress import service
    from course.progress.models import RecordSettings

    db_session.delete(db_session.get(RecordSettings, 1))
    db_session.flush()
    service.complete_lesson(db_session, people.trainee, course, "listening", LATER)
    assert db_session.scalars(select(LearningRecord.statement)).one() is None
    endpoint = Endpoint("platform", "https://lrs.example.org/xapi")
    client = LrsClient(endpoint, transport=httpx.MockTransport(lambda r: httpx.Response(204)))
    moment = LATER + timedelta(hours=1)
    assert push.push_batch(db_session, endpoint, None, client, moment, 50, 0).sent == 0
