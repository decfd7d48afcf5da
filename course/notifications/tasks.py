"""Background work for notifications: plan and send what is owed, every ten minutes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from huey import crontab

from course.db import utcnow
from course.extensions import db
from course.jobs import periodic_task

if TYPE_CHECKING:
    from datetime import datetime


def run_once(now: datetime | None = None) -> tuple[int, int]:
    """Plan, commit, then deliver; returns ``(planned, sent)``."""
    from course.mail import send_mail
    from course.notifications import messages, service

    now = now or utcnow()
    planned = service.plan(db.session, now)
    db.session.commit()
    sent = service.deliver(db.session, now, messages.compose, send_mail, db.session.commit)
    return planned, sent


@periodic_task(crontab(minute="*/10"))
def send_notifications_task() -> tuple[int, int]:
    """Once per ten minutes across every worker (the period is claimed in the database)."""
    return run_once()
