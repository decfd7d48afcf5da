"""The background job queue: huey, on SQLite by default and on Redis for several machines.

This module holds the queue and the application context tasks run in, nothing else. Tasks live in
their area's ``tasks.py``; the worker's entry point (``course/worker.py``) imports them all. A task
runs inside an application context: the caller's when huey runs in immediate mode (tests),
otherwise one made once per worker.

Results are not stored (``results=False``): no caller waits on a task's return value (progress
lives in the database), and stored results would pile up in Redis for ever. Periodic tasks are
declared with :func:`periodic_task`, which runs each scheduled period once however many workers
enqueue it (see ``course/periodic.py``).
"""

from __future__ import annotations

import functools
import os
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import has_app_context
from huey import RedisHuey, SqliteHuey
from redis import ConnectionPool

from course.config import instance_path
from course.logs import instrument

if TYPE_CHECKING:
    from collections.abc import Callable


class _Periods:
    """Each periodic run the scheduler enqueues carries the minute it is scheduled for."""

    def read_periodic(self, timestamp: datetime | None):
        if timestamp is None:
            timestamp = self._get_timestamp()
        tasks = super().read_periodic(timestamp)
        period = timestamp.replace(second=0, microsecond=0, tzinfo=None).isoformat()
        for task in tasks:
            task.kwargs = {**task.kwargs, "period": period}
        return tasks


class CourseRedisHuey(_Periods, RedisHuey):
    pass


class CourseSqliteHuey(_Periods, SqliteHuey):
    pass


def _make_huey():
    redis_url = os.environ.get("COURSE_REDIS_URL")
    if redis_url:
        # Short socket timeouts: a web request that enqueues while Redis is away fails in a
        # second instead of hanging; the worker retries reading with huey's back-off.
        pool = ConnectionPool.from_url(
            redis_url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=30
        )
        return CourseRedisHuey("course", connection_pool=pool, results=False)
    folder = instance_path()
    folder.mkdir(parents=True, exist_ok=True)
    return CourseSqliteHuey("course", filename=str(folder / "jobs.db"), results=False)


huey = _make_huey()
instrument(huey)

_worker_app = None


def app_context() -> AbstractContextManager:
    """An application context for a task: the caller's, or the worker's own."""
    global _worker_app
    if has_app_context():
        return nullcontext()
    if _worker_app is None:
        from course import create_app

        _worker_app = create_app()
    return _worker_app.app_context()


def periodic_task(schedule: Callable[[datetime], bool]) -> Callable[[Callable], Callable]:
    """Declare a periodic task (``schedule`` is a huey ``crontab``) that runs once per
    scheduled minute across every worker: the first worker to claim the period in the
    database runs it, the others return ``None``. A call without a period (``call_local()``,
    immediate mode) runs at once."""

    def decorate(func: Callable):
        task_name = f"{func.__module__}.{func.__name__}"

        @functools.wraps(func)
        def run(period: str | None = None):
            from course.extensions import db
            from course.periodic import claim

            with app_context():
                if period is not None:
                    scheduled = datetime.fromisoformat(period).replace(tzinfo=UTC)
                    if not claim(db.engine, task_name, scheduled, datetime.now(UTC)):
                        return None
                return func()

        return huey.periodic_task(schedule)(run)

    return decorate
