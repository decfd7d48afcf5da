"""Background work for learning records: send new statements to the configured LRSs."""

from __future__ import annotations

from flask import current_app
from huey import crontab

from course.db import utcnow
from course.extensions import db
from course.jobs import periodic_task


@periodic_task(crontab(minute="*"))
def send_statements_task() -> dict[str, int]:
    """Send the statements recorded since the last run to each LRS, in batches; returns how
    many each endpoint accepted. Nothing happens when no LRS is configured."""
    from course.progress.push import push_all

    return push_all(db.session, current_app.config, utcnow, db.session.commit)
