"""When each notification is owed: plain rules on dates, no Flask, no database."""

from __future__ import annotations

from datetime import datetime, timedelta

#: Every kind of notification, and the profile switch (group) that turns it off.
KINDS: dict[str, str] = {
    "assigned": "assignments",
    "due_7": "reminders",
    "due_1": "reminders",
    "overdue": "reminders",
    "graded": "grading",
    "certificate_issued": "certificates",
    "expiring_60": "expiry",
    "expiring_30": "expiry",
}
GROUPS = ("assignments", "reminders", "grading", "certificates", "expiry")

#: Events older than this when notifications are first planned are not announced (a new
#: installation, or one upgraded, does not mail everyone about last year's grades).
LOOKBACK = timedelta(days=14)


def wanted(kind: str, opt_outs: list[str] | None) -> bool:
    return KINDS[kind] not in set(opt_outs or ())


def reminder_kinds(due_at: datetime | None, now: datetime) -> list[str]:
    """The due-date notifications owed by ``now`` for an unfinished course due at ``due_at``.

    Each is owed from its moment on (7 days before, 1 day before, the due time itself); only the
    latest that applies is sent, so a course assigned two days before it is due gets the 1-day
    reminder, not a stale 7-day one too."""
    if due_at is None:
        return []
    if now >= due_at:
        return ["overdue"]
    if now >= due_at - timedelta(days=1):
        return ["due_1"]
    if now >= due_at - timedelta(days=7):
        return ["due_7"]
    return []


def expiry_kinds(valid_until: datetime | None, now: datetime) -> list[str]:
    """Recertification notices for a valid certificate: 60 and 30 days before it expires."""
    if valid_until is None or now >= valid_until:
        return []
    if now >= valid_until - timedelta(days=30):
        return ["expiring_30"]
    if now >= valid_until - timedelta(days=60):
        return ["expiring_60"]
    return []


def recent(moment: datetime | None, now: datetime) -> bool:
    return moment is not None and now - LOOKBACK <= moment <= now
