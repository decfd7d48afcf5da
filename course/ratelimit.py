"""A rate-limit store kept in a small SQLite file, shared by every worker on one machine.

Flask-Limiter's memory store is per process, so with several gunicorn workers each would count
on its own. Redis is the store for several machines (``COURSE_REDIS_URL``); this one keeps the
one-machine default free of servers. It registers the ``sqlite://`` scheme with ``limits``.

When Redis is configured but unreachable, Flask-Limiter's in-memory fallback
(``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``) counts in each worker process until Redis answers
again: sign-in keeps working with a looser, per-process limit. :func:`redis_state` tells a
readiness check (and ``course doctor``) which of the two is happening.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass

import redis
from limits.storage import Storage


class SQLiteStorage(Storage):
    """Fixed-window counters in one table: key, count, expiry (epoch seconds)."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = uri.removeprefix("sqlite:///") or ":memory:"
        self._local = threading.local()
        with self._connect() as connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS counters "
                "(key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)"
            )

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connect(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            self._local.connection = connection
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute(
                "INSERT INTO counters (key, count, expires) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET "
                "count = CASE WHEN expires <= ? THEN excluded.count "
                "ELSE count + excluded.count END, "
                "expires = CASE WHEN expires <= ? THEN excluded.expires ELSE expires END",
                (key, amount, now + expiry, now, now),
            )
            (count,) = connection.execute(
                "SELECT count FROM counters WHERE key = ?", (key,)
            ).fetchone()
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return count

    def get(self, key: str) -> int:
        row = (
            self._connect()
            .execute("SELECT count FROM counters WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = (
            self._connect().execute("SELECT expires FROM counters WHERE key = ?", (key,)).fetchone()
        )
        return row[0] if row and row[0] > time.time() else time.time()

    def check(self) -> bool:
        try:
            self._connect().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        cursor = self._connect().execute("DELETE FROM counters")
        return cursor.rowcount

    def clear(self, key: str) -> None:
        self._connect().execute("DELETE FROM counters WHERE key = ?", (key,))


@dataclass(frozen=True)
class RedisState:
    """What a readiness check or ``course doctor`` says about Redis."""

    configured: bool
    reachable: bool
    detail: str

    @property
    def degraded(self) -> bool:
        """Redis is configured but away: sign-in limits count per process, jobs wait."""
        return self.configured and not self.reachable


def redis_state(url: str, timeout: float = 1.0) -> RedisState:
    """Ping the Redis at ``url`` (``COURSE_REDIS_URL``; empty: not configured)."""
    if not url:
        return RedisState(False, False, "not configured (jobs and rate limits on this machine)")
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as error:
        return RedisState(
            True,
            False,
            f"unreachable ({error}): sign-in limits count per process, queued jobs wait",
        )
    finally:
        client.close()
    return RedisState(True, True, "reachable")
