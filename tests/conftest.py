"""Fixtures shared by every test: a fresh app and database per test, clients, factories.

The database is SQLite by default: the schema is built once per session into a template file and
copied for each test. With ``COURSE_TEST_DATABASE_URL`` pointing at PostgreSQL, the schema is
built once and every table is emptied after each test.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="course-tests-"))
os.environ["COURSE_INSTANCE_PATH"] = str(_SESSION_DIR / "instance")
os.environ.setdefault("COURSE_ENV", "testing")
os.environ.pop("COURSE_REDIS_URL", None)

from flask import current_app, has_app_context  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import text  # noqa: E402

from course import create_app  # noqa: E402
from course.db import utcnow  # noqa: E402
from course.extensions import db as _db  # noqa: E402

POSTGRES_URL = os.environ.get("COURSE_TEST_DATABASE_URL", "")
SECRET = "test-secret-key-that-is-long-enough-for-tests-0123456789"


def _base_config(database_url: str, instance: Path) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": SECRET,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "BASE_URL": "http://localhost",
        "SERVER_NAME": None,
    }


class EnglishClient(FlaskClient):
    """Test clients read pages in English (the source language of the interface strings) unless
    a test asks for another language (``?lang=``, an Accept-Language header, the switcher).

    Each request runs in an application context of its own, as under a real server: nothing an
    earlier request or the test's body put on ``g`` or in its database session carries over. The
    test's own unit of work is committed first, as the boundary between two requests would."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args, **kwargs):
        if has_app_context() and current_app._get_current_object() is self.application:
            _db.session.commit()
        if self.preserve_context:  # ``with client:`` keeps the request's context for the test
            return super().open(*args, **kwargs)
        # A streamed body is read inside the request's own context too, where it was started.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def database_template():
    """Build the schema once: a SQLite file to copy, or the PostgreSQL tables."""
    if POSTGRES_URL:
        app = create_app(_base_config(POSTGRES_URL, _SESSION_DIR / "instance"))
        with app.app_context():
            _db.drop_all()
            _db.create_all()
            _db.engine.dispose()
        return None
    path = _SESSION_DIR / "template.db"
    app = create_app(_base_config(f"sqlite:///{path}", _SESSION_DIR / "instance"))
    with app.app_context():
        _db.create_all()
        _store_record_settings(app)
        _db.engine.dispose()
    return path


def _store_record_settings(app):
    """What migration 0004 stores at install: the IRI base statements are recorded under."""
    from course.progress.service import store_record_settings

    store_record_settings(_db.session, app.config["BASE_URL"])
    _db.session.commit()
    _db.session.remove()


def _empty_postgres():
    tables = ", ".join(f'"{table.name}"' for table in _db.metadata.sorted_tables)
    with _db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def make_app(database_template, tmp_path):
    """A factory for an app on a fresh database: ``make_app(**config_overrides)``."""
    made = []

    def factory(**overrides):
        if POSTGRES_URL:
            url = POSTGRES_URL
        else:
            target = tmp_path / f"test-{len(made)}.db"
            shutil.copyfile(database_template, target)
            url = f"sqlite:///{target}"
        config = _base_config(url, tmp_path / "instance")
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = EnglishClient
        made.append(app)
        if POSTGRES_URL:
            with app.app_context():
                _store_record_settings(app)
        return app

    yield factory
    for app in made:
        with app.app_context():
            _db.session.remove()
            if POSTGRES_URL:
                _empty_postgres()
            _db.engine.dispose()


@pytest.fixture
def app(make_app):
    """A fresh app on a fresh database, with an application context for the test's body only:
    requests made with ``client`` never run in it (each pushes its own, see ``EnglishClient``),
    so nothing on ``g`` passes between the test and its requests or from one request to the
    next."""
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db_session(app):
    """The test body's database session (its requests use sessions of their own)."""
    return _db.session


_counter = itertools.count(1)
PASSWORD = "correct-horse-battery"
_HASHES: dict[str, str] = {}


@contextlib.contextmanager
def _cached_hash(service, password):
    """Hash each test password once per session (Argon2id at full cost takes ~50 ms)."""
    from course.accounts.passwords import hash_password

    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    original = service.hash_password
    service.hash_password = lambda _password: _HASHES[password]
    try:
        yield
    finally:
        service.hash_password = original


@pytest.fixture
def create_user(db_session):
    """``create_user(email=None, password=PASSWORD, display_name=None, locale="en",
    is_platform_admin=False)`` -> a committed User (English by default, like the test client;
    tests of Chinese pages ask for ``locale="zh-CN"``)."""
    from course.accounts import service

    def factory(
        email=None, password=PASSWORD, display_name=None, locale="en", is_platform_admin=False
    ):
        number = next(_counter)
        with _cached_hash(service, password):
            user = service.create_user(
                _db.session,
                email or f"user{number}@example.com",
                password,
                display_name or f"User {number}",
                utcnow(),
                locale=locale,
                is_platform_admin=is_platform_admin,
            )
        _db.session.commit()
        return user

    return factory


@pytest.fixture
def create_org(db_session):
    """``create_org(slug=None, name=None, **fields)`` -> a committed Organisation."""
    from course.orgs.service import create_organisation

    def factory(slug=None, name=None, **fields):
        number = next(_counter)
        org = create_organisation(
            _db.session,
            slug or f"org-{number}",
            name or {"zh-CN": f"机构{number}", "en": f"Organisation {number}"},
            utcnow(),
            **fields,
        )
        _db.session.commit()
        return org

    return factory


@pytest.fixture
def add_member(db_session):
    """``add_member(user, org, role, **fields)`` -> a committed Membership."""
    from course.orgs.service import add_member as add

    def factory(user, org, role="trainee", **fields):
        membership = add(_db.session, org, user, role, utcnow(), **fields)
        _db.session.commit()
        return membership

    return factory


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, user_or_email, password=PASSWORD, remember=False):
        email = getattr(user_or_email, "email", user_or_email)
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self._client.post("/login", data=data)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in as ``user``."""

    def do_login(user, password=PASSWORD):
        response = AuthActions(client).login(user, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do_login


def outbox() -> list:
    """Every e-mail written to the store's outbox (no SMTP server in tests), oldest first, as
    ``email.message.EmailMessage`` objects. Call inside an application context."""
    import email
    import email.policy

    from course import storage

    return [
        email.message_from_bytes(storage.read(key), policy=email.policy.default)
        for key in storage.keys("outbox/")
    ]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """moto's standalone S3-compatible server on a free loopback port, for the session.

    Yields the endpoint URL; ``s3_env`` points the standard ``AWS_*`` variables at it.
    """
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    binary = Path(sys.executable).with_name("moto_server")
    server = subprocess.Popen(
        [str(binary), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint + "/moto-api/", timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("moto_server did not start") from None
            time.sleep(0.1)
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3_env(s3_server, monkeypatch, tmp_path):
    """The standard AWS variables for the moto server, path-style through an AWS config file,
    and a fresh bucket; returns the bucket name."""
    import boto3

    config = tmp_path / "aws-config"
    config.write_text("[default]\ns3 =\n    addressing_style = path\n")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-access-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    bucket = f"course-{next(_counter)}-{os.getpid()}"
    boto3.session.Session().client("s3").create_bucket(Bucket=bucket)
    return bucket


def pytest_collection_modifyitems(config, items):
    """The cluster stage's tests run only inside ``.ci/cluster`` (which sets COURSE_CLUSTER)."""
    if os.environ.get("COURSE_CLUSTER"):
        return
    skip = pytest.mark.skip(reason="needs the cluster started by .ci/cluster")
    for item in items:
        if "cluster" in item.keywords:
            item.add_marker(skip)


class RedisServer:
    """Debian's redis-server on a free loopback port, with an append-only file in ``folder`` so
    that queued jobs survive a restart (what docs/operations.md tells operators to set)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        import subprocess
        import time

        import redis

        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
             "--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "everysec",
             "--save", "", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                client.close()
                return
            except redis.RedisError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis-server flushes its append-only file
            self.process.wait(timeout=20)


@pytest.fixture
def redis_server(tmp_path):
    """A running ``RedisServer``; the test may stop and start it again."""
    import shutil

    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (make test-setup installs it)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
