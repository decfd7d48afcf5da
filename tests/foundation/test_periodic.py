"""Periodic jobs run once per scheduled period however many workers enqueue them; job results
are not kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from course.accounts.tasks import send_mail_task
from course.extensions import db
from course.jobs import huey
from course.periodic import KEEP, PeriodicRun, claim
from course.quizzes.tasks import close_expired_attempts_task

NOW = datetime(2026, 11, 29, 9, 30, 12, tzinfo=UTC)
MINUTE = NOW.replace(second=0)


def test_a_period_is_claimed_once(app):
    assert claim(db.engine, "reports.nightly", MINUTE, NOW)
    assert not claim(db.engine, "reports.nightly", MINUTE, NOW)
    assert claim(db.engine, "reports.nightly", MINUTE + timedelta(minutes=1), NOW)
    assert claim(db.engine, "quizzes.other", MINUTE, NOW)  # per task


def test_old_claims_are_pruned(app):
    old = MINUTE - KEEP - timedelta(minutes=1)
    assert claim(db.engine, "t", old, old)
    assert claim(db.engine, "t", MINUTE, NOW)
    periods = db.session.scalars(select(PeriodicRun.period).filter_by(task="t")).all()
    assert periods == [MINUTE]


def test_every_scheduler_enqueues_but_one_worker_runs(app, monkeypatch):
    """Two consumers' schedulers read the same minute: two queued runs, one execution."""
    ran = []
    monkeypatch.setattr(
        "course.quizzes.service.close_expired_attempts",
        lambda session, now: ran.append(now) or 0,
    )
    scheduled = datetime(2026, 11, 29, 9, 31, 0, 400_000)  # huey's naive UTC clock
    first = [t for t in huey.read_periodic(scheduled) if "close_expired" in t.name]
    second = [t for t in huey.read_periodic(scheduled + timedelta(seconds=40)) if "close" in t.name]
    assert first[0].kwargs == second[0].kwargs == {"period": "2026-11-29T09:31:00"}
    huey.execute(first[0])
    huey.execute(second[0])
    assert len(ran) == 1
    later = [t for t in huey.read_periodic(scheduled + timedelta(minutes=1)) if "close" in t.name]
    huey.execute(later[0])
    assert len(ran) == 2
    rows = db.session.scalars(select(PeriodicRun).order_by(PeriodicRun.period)).all()
    assert [row.period.minute for row in rows] == [31, 32]
    assert all(row.task == "course.quizzes.tasks.close_expired_attempts_task" for row in rows)


def test_a_direct_call_runs_without_a_claim(app):
    assert close_expired_attempts_task.call_local() == 0
    assert close_expired_attempts_task.call_local() == 0
    assert db.session.scalar(select(func.count()).select_from(PeriodicRun)) == 0


def test_results_are_not_kept(app):
    assert huey.results is False
    send_mail_task("someone@example.com", "Subject", "Body")
    assert huey.result_count() == 0
