"""Health endpoints for load balancers and orchestrators.

``/healthz``: the process answers (no dependency is touched). ``/readyz``: the database, Redis
(when configured) and the file store, each named with its state. The database or the store down
makes the node not ready (503); Redis down leaves it ready but ``degraded``: sign-in falls back to
in-process rate limits and jobs wait in the web node until Redis returns (docs/operations.md).

Both are cheap, unauthenticated, not rate-limited and set no cookie.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue


bp = Blueprint("health", __name__)

#: Probes answer within this many seconds or count as down.
PROBE_TIMEOUT = 2.0


def _timed(check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # noqa: BLE001 - a probe reports every failure as "down"
        return {
            "state": "down",
            "error": f"{type(exc).__name__}: {exc}"[:300],
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    return {"state": "up", "ms": round((time.perf_counter() - started) * 1000, 1)}


def _database() -> None:
    from course.extensions import db

    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _redis(url: str) -> Callable[[], None]:
    def check() -> None:
        import redis

        client = redis.Redis.from_url(
            url, socket_connect_timeout=PROBE_TIMEOUT, socket_timeout=PROBE_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()

    return check


def _store() -> None:
    from course import storage

    storage.exists("health/probe")


def readiness() -> tuple[dict, bool]:
    """Each dependency's state, and whether this node should receive traffic."""
    checks = {"database": _timed(_database), "store": _timed(_store)}
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        checks["redis"] = _timed(_redis(redis_url))
    ready = checks["database"]["state"] == "up" and checks["store"]["state"] == "up"
    degraded = any(check["state"] != "up" for check in checks.values())
    status = "ready" if ready and not degraded else "degraded" if ready else "not ready"
    return {"status": status, "checks": checks}, ready


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    body, ready = readiness()
    return jsonify(body), 200 if ready else 503


def init_app(app: Flask) -> None:
    from course.extensions import limiter

    app.register_blueprint(bp)
    limiter.exempt(bp)
