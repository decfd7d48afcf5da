"""The background job queue: huey, on SQLite by default and on Redis for several machines.

This module holds the queue and the application context tasks run in, nothing else. Tasks live in
their area's ``tasks.py``; the worker's entry point (``course/worker.py``) imports them all. A task
runs inside an application context: the caller's when huey runs in immediate mode (tests),
otherwise one made once per worker.
"""

from __future__ import annotations

import os
from contextlib import nullcontext

from flask import has_app_context
from huey import RedisHuey, SqliteHuey

from course.config import instance_path
from course.logs import instrument


def _make_huey():
    redis_url = os.environ.get("COURSE_REDIS_URL")
    if redis_url:
        return RedisHuey("course", url=redis_url)
    folder = instance_path()
    folder.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("course", filename=str(folder / "jobs.db"))


huey = _make_huey()
instrument(huey)

_worker_app = None


def app_context():
    """An application context for a task: the caller's, or the worker's own."""
    global _worker_app
    if has_app_context():
        return nullcontext()
    if _worker_app is None:
        from course import create_app

        _worker_app = create_app()
    return _worker_app.app_context()
