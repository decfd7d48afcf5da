"""``course doctor``: check one machine against the deployment, and say how to fix what is wrong.

Each check returns :class:`Finding` values; a finding that is a problem makes the command exit
with status 1. Checks run in order and a later one is skipped when what it needs is missing
(no database: the signing keys are not read). Nothing here changes the deployment except one
small probe object per machine in the store (``doctor/probe-<host>``), overwritten on each run.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import redis
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from course import storage
from course.certificates.keys import SealedKeyError, unseal
from course.certificates.models import SigningKey
from course.config import DEVELOPMENT_KEY_PREFIX, PROJECT_ROOT
from course.extensions import db
from course.ratelimit import redis_state
from course.storage import FileStore

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from course.storage import Store


#: Where each machine lists its probe object, so another machine can look for it.
PROBES_KEY = "course:doctor:probes"


@dataclass(frozen=True)
class Finding:
    area: str
    ok: bool
    message: str
    fix: str = ""


def _several_machines(config: Mapping[str, Any]) -> bool:
    """A server database or Redis means more than one machine may serve this platform."""
    return not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") or bool(
        config.get("REDIS_URL")
    )


def check_database(app: Flask) -> Iterator[Finding]:
    url = db.engine.url.render_as_string(hide_password=True)
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        yield Finding(
            "database",
            False,
            f"{url} is not reachable: {error.__class__.__name__}: {error}".splitlines()[0],
            "check COURSE_DATABASE_URL, that the server runs and that this machine may connect",
        )
        return
    heads = set(ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_heads())
    if current != heads:
        at = ", ".join(sorted(current)) or "no migration"
        yield Finding(
            "database",
            False,
            f"{url} is at {at}; this release needs {', '.join(sorted(heads))}",
            "run `flask --app course db upgrade` once, from one machine",
        )
        return
    yield Finding("database", True, f"{url} reachable, migrated ({', '.join(sorted(heads))})")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and app.config.get("REDIS_URL"):
        yield Finding(
            "database",
            False,
            "SQLite with Redis configured: an SQLite file cannot be shared between machines",
            "set COURSE_DATABASE_URL=postgresql+psycopg://... on every machine",
        )


def check_redis(app: Flask) -> Iterator[Finding]:
    state = redis_state(app.config.get("REDIS_URL", ""))
    if state.configured:
        yield Finding(
            "redis",
            state.reachable,
            state.detail,
            "" if state.reachable else "start Redis or correct COURSE_REDIS_URL on this machine",
        )
    elif _several_machines(app.config):
        yield Finding(
            "redis",
            False,
            "COURSE_REDIS_URL is not set, but the database is a server: each machine would keep "
            "its own job queue and rate limits",
            "set COURSE_REDIS_URL=redis://HOST:6379/0 on every machine",
        )
    else:
        yield Finding("redis", True, state.detail)


def check_store(app: Flask) -> Iterator[Finding]:
    store = storage.current()
    host = socket.gethostname()
    key = f"doctor/probe-{host}"
    nonce = secrets.token_hex(16).encode()
    try:
        store.save(key, nonce)
        readable = store.read(key) == nonce
    except Exception as error:  # noqa: BLE001 - any backend error is the finding
        yield Finding(
            "store",
            False,
            f"{store.describe()}: writing and reading back failed: {error}",
            "check COURSE_FILES_URL, the AWS_* settings and the bucket's permissions"
            if store.describe().startswith("s3://")
            else "check that the folder exists and this user may write to it",
        )
        return
    if not readable:
        yield Finding("store", False, f"{store.describe()}: read back other bytes than written")
        return
    yield Finding("store", True, f"{store.describe()}: wrote an object and read it back")

    instance = Path(app.config["INSTANCE_PATH"]).resolve()
    if (
        isinstance(store, FileStore)
        and store.root.resolve().is_relative_to(instance)
        and _several_machines(app.config)
    ):
        yield Finding(
            "store",
            False,
            f"files are kept in this machine's instance folder ({store.root}), so other "
            "machines cannot see them",
            "set COURSE_FILES_URL=s3://BUCKET/PREFIX (or file:// on a volume every machine "
            "mounts) on every machine",
        )
    yield from _check_other_machines_probes(app, store, host, key)


def _check_other_machines_probes(
    app: Flask, store: Store, host: str, key: str
) -> Iterator[Finding]:
    """Through Redis (shared by every machine), look for the probes the others wrote."""
    url = app.config.get("REDIS_URL")
    if not url:
        return
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        others = {
            name.decode(): value.decode()
            for name, value in client.hgetall(PROBES_KEY).items()
            if name.decode() != host
        }
        client.hset(PROBES_KEY, host, key)
    except redis.RedisError:
        return  # the Redis check reports it
    finally:
        client.close()
    missing = sorted(name for name, probe in others.items() if not store.exists(probe))
    seen = sorted(set(others) - set(missing))
    if seen:
        yield Finding("store", True, f"shared: sees the probes of {', '.join(seen)}")
    if missing:
        yield Finding(
            "store",
            False,
            f"the probe written by {', '.join(missing)} is not in {store.describe()}: "
            "this machine does not share the other machines' store",
            "give every machine the same COURSE_FILES_URL (and AWS_* settings)",
        )


def check_signing_keys(app: Flask) -> Iterator[Finding]:
    try:
        sealed = db.session.scalars(select(SigningKey.sealed_private_key)).all()
    except SQLAlchemyError:
        db.session.rollback()
        return  # the database check reports it
    broken = 0
    for value in sealed:
        try:
            unseal(value, app.config["SECRET_KEY"])
        except SealedKeyError:
            broken += 1
    if broken:
        yield Finding(
            "secret",
            False,
            f"{broken} of {len(sealed)} organisation signing keys cannot be opened with this "
            "COURSE_SECRET_KEY",
            "give this machine the same COURSE_SECRET_KEY as the machine that made the keys",
        )
    else:
        yield Finding("secret", True, f"opens all {len(sealed)} organisation signing keys")


def check_settings(app: Flask) -> Iterator[Finding]:
    config = app.config
    base_url = os.environ.get("COURSE_BASE_URL", "")
    production = config.get("ENV_NAME") == "production"
    if not base_url:
        yield Finding(
            "settings",
            False,
            "COURSE_BASE_URL is not set: links in e-mails, QR codes and credentials would point "
            f"at {config['BASE_URL']}",
            "export COURSE_BASE_URL=https://training.example.gov.cn (the address users type)",
        )
    elif production and not base_url.startswith("https://"):
        yield Finding(
            "settings",
            False,
            f"COURSE_BASE_URL={base_url} is not https:// in production",
            "serve over TLS (deploy/course.nginx.conf) and use the https:// address",
        )
    else:
        yield Finding("settings", True, f"COURSE_BASE_URL={base_url}")
    if not production:
        yield Finding(
            "settings",
            False,
            f"COURSE_ENV={config.get('ENV_NAME')}: cookies are not Secure and a development "
            "secret key is accepted",
            "export COURSE_ENV=production",
        )
        return
    found = list(_production_problems(config))
    yield from found
    if not found:
        yield Finding("settings", True, "production: strong secret, SMTP, Secure cookies, proxies")


def _production_problems(config: Mapping[str, Any]) -> Iterator[Finding]:
    secret = config.get("SECRET_KEY") or ""
    if secret.startswith(DEVELOPMENT_KEY_PREFIX) or len(secret) < 32:
        yield Finding(
            "settings",
            False,
            "the secret key is the generated development one (or too short)",
            "set COURSE_SECRET_KEY to the deployment's random secret (the same everywhere)",
        )
    if not config.get("SMTP_HOST"):
        yield Finding(
            "settings",
            False,
            "COURSE_SMTP_HOST is not set: e-mails (password resets, invitations) are only "
            "written to the outbox",
            "set COURSE_SMTP_HOST (and COURSE_SMTP_PORT, COURSE_MAIL_FROM)",
        )
    if _several_machines(config) and not config.get("TRUSTED_PROXIES"):
        yield Finding(
            "settings",
            False,
            "COURSE_TRUSTED_PROXIES is 0: behind a load balancer every user shares its address "
            "for the sign-in limits",
            "set COURSE_TRUSTED_PROXIES to the number of proxies in front (1 for one nginx)",
        )
    if not (config.get("SESSION_COOKIE_SECURE") and config.get("REMEMBER_COOKIE_SECURE")):
        yield Finding(
            "settings",
            False,
            "session cookies are not marked Secure",
            "do not override SESSION_COOKIE_SECURE; COURSE_ENV=production sets it",
        )


CHECKS = (check_database, check_redis, check_store, check_signing_keys, check_settings)


def run(app: Flask) -> list[Finding]:
    """Every finding, in the order of :data:`CHECKS`."""
    return [finding for check in CHECKS for finding in check(app)]
