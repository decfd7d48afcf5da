"""The background job queue: huey, on SQLite by default and on Redis for several machines.

Tasks live in their area's ``tasks.py`` and are imported at the bottom of this module, so the
worker (``course worker``) knows them all. A task runs inside an application context: the one
of the caller when huey runs in immediate mode (tests), otherwise one made once per worker.
"""

from __future__ import annotations

import os
from contextlib import nullcontext

from flask import has_app_context
from huey import RedisHuey, SqliteHuey

from course.config import instance_path


def _make_huey():
    redis_url = os.environ.get("COURSE_REDIS_URL")
    if redis_url:
        return RedisHuey("course", url=redis_url)
    folder = instance_path()
    folder.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("course", filename=str(folder / "jobs.db"))


huey = _make_huey()

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


@huey.task()
def send_mail_task(to: str, subject: str, body: str) -> str | None:
    """Send one e-mail in the background; returns the outbox file name when there is one."""
    from course.mail import send_mail

    with app_context():
        written = send_mail(to, subject, body)
    return written.name if written else None


def run_worker(workers: int = 2) -> None:
    """Run the consumer until interrupted, with ``workers`` worker processes: jobs such as
    certificate renders are CPU-bound and WeasyPrint is not thread-safe, so processes (not
    threads) let one machine's cores render in parallel."""
    from huey.consumer import Consumer

    Consumer(huey, workers=workers, worker_type="process", periodic=True).run()


# Area task modules register themselves by being imported here.
import course.certificates.tasks  # noqa: E402,F401
import course.quizzes.tasks  # noqa: E402,F401
