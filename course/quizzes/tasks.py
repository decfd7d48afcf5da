"""Background work for quizzes: close attempts whose time ran out, every minute."""

from __future__ import annotations

from huey import crontab

from course.db import utcnow
from course.extensions import db
from course.jobs import app_context, periodic_task


@periodic_task(crontab(minute="*"))
def close_expired_attempts_task() -> int:
    """Close and grade the attempts left open past their deadline; returns how many."""
    from course.quizzes.service import close_expired_attempts

    with app_context():
        closed = close_expired_attempts(db.session, utcnow())
        db.session.commit()
        return closed
