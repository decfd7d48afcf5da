"""Periodic jobs run once per period, however many job workers run.

Every consumer's scheduler enqueues every periodic task each minute its schedule matches, so
with N workers a minute's run is queued N times. Each queued run carries the minute it was
scheduled for (``course.jobs`` adds it); the first run to insert the row ``(task, period)``
into ``periodic_runs`` does the work, the others see the primary key taken and stop. The
database is the lease because every machine shares it whatever the deployment (SQLite on one
machine, PostgreSQL on several), and a row says afterwards who ran what when.

Rows older than :data:`KEEP` are pruned by the claims themselves, so the table stays small.
Machines' clocks must agree to the minute (NTP), since the period is the scheduler's own clock.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import String, delete, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from course.db import UTCDateTime
from course.extensions import db

log = logging.getLogger(__name__)

#: How long a claim is kept (for the record; only the current period's row matters).
KEEP = timedelta(days=2)


class PeriodicRun(db.Model):
    """One periodic task's run for one scheduled period."""

    __tablename__ = "periodic_runs"

    #: The task's dotted name (module and function).
    task: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: The minute the run was scheduled for (UTC).
    period: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    #: ``host:pid`` of the worker that ran it.
    claimed_by: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(engine: Engine, task: str, period: datetime, now: datetime) -> bool:
    """Take the run of ``task`` for ``period``; False when another worker already has it.

    Runs in a transaction of its own, committed before the task's work begins, so a claim is
    visible to every other worker at once.
    """
    try:
        with engine.begin() as connection:
            connection.execute(
                delete(PeriodicRun).where(PeriodicRun.task == task, PeriodicRun.period < now - KEEP)
            )
            connection.execute(
                insert(PeriodicRun).values(
                    task=task, period=period, claimed_by=worker_name(), claimed_at=now
                )
            )
    except IntegrityError:
        log.info("periodic task %s for %s already ran elsewhere; skipped", task, period)
        return False
    log.info("periodic task %s for %s claimed by %s", task, period, worker_name())
    return True
