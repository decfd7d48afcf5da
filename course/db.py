"""The declarative base, column types shared by every area, and SQLite's connection settings."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Set to False by the web layer for safe (read-only) requests, so that their SQLite
#: transactions begin deferred and never queue behind writers.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC. Only edges (views, commands, jobs) call it."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A datetime stored as UTC and always returned timezone-aware, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and write transactions that begin immediately.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's ``begin`` event
    decides how each transaction starts: ``BEGIN IMMEDIATE`` takes the write lock up front (a
    writer waits its turn under the busy timeout instead of failing with "database is locked"
    when it upgrades a read lock), while read-only requests begin deferred and run in parallel.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # Straight to the driver: this runs once per request, and the statement needs no
        # parameters, result or events.
        connection.connection.driver_connection.execute(
            "BEGIN IMMEDIATE" if write_intent.get() else "BEGIN"
        )
