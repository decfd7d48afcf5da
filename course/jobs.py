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


#: A temporary mail failure is tried again after 30 s, 1 min, 2 min, ... (about 30 min in all).
MAIL_RETRIES = 6


@huey.task(retries=MAIL_RETRIES, retry_delay=30, retry_backoff=2)
def send_mail_task(to: str, subject: str, body: str) -> str | None:
    """Send one e-mail in the background; returns the outbox key when there is one.

    A temporary failure raises, so huey retries with a growing delay; a permanent refusal is
    logged by ``send_mail`` and not retried."""
    from course.mail import MailError, send_mail

    with app_context():
        try:
            return send_mail(to, subject, body)
        except MailError as exc:
            if exc.permanent:
                return None
            raise


def run_worker(workers: int = 2) -> None:
    """Run the consumer in this process until interrupted."""
    from huey.consumer import Consumer

    from course import logs

    logs.configure(
        os.environ.get("COURSE_LOG_FORMAT", "text"), os.environ.get("COURSE_LOG_LEVEL", "INFO")
    )
    Consumer(huey, workers=workers, worker_type="thread", periodic=True).run()


# Area task modules register themselves by being imported here.
import course.certificates.tasks  # noqa: E402,F401
import course.quizzes.tasks  # noqa: E402,F401
