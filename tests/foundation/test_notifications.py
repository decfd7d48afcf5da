"""Notifications: owed at the right moment, sent once, in the recipient's language, opt-outs
kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from course.audit.models import AuditEvent
from course.extensions import db
from course.notifications import rules
from course.notifications.models import Notification
from course.notifications.tasks import run_once
from course.orgs.models import Assignment, Cohort, CohortMember
from tests.certificates.conftest import make_course
from tests.conftest import outbox

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("days_left", "kinds"),
    [(10, []), (7, ["due_7"]), (3, ["due_7"]), (1, ["due_1"]), (0.5, ["due_1"]), (0, ["overdue"]),
     (-3, ["overdue"])],
)  # fmt: skip
def test_reminders_fall_at_seven_days_one_day_and_the_due_time(days_left, kinds):
    assert rules.reminder_kinds(NOW + timedelta(days=days_left), NOW) == kinds
    assert rules.reminder_kinds(None, NOW) == []


@pytest.mark.parametrize(
    ("days_left", "kinds"),
    [(90, []), (60, ["expiring_60"]), (31, ["expiring_60"]), (30, ["expiring_30"]),
     (1, ["expiring_30"]), (-1, [])],
)  # fmt: skip
def test_expiry_notices_at_sixty_and_thirty_days(days_left, kinds):
    assert rules.expiry_kinds(NOW + timedelta(days=days_left), NOW) == kinds


@pytest.fixture
def assigned(create_user, create_org, add_member):
    org = create_org()
    zh = create_user(email="wang@example.com", locale="zh-CN")
    en = create_user(email="emma@example.com", locale="en")
    quiet = create_user(email="quiet@example.com")
    quiet.notification_opt_outs = ["assignments", "reminders"]
    for person in (zh, en, quiet):
        add_member(person, org, "trainee")
    course = make_course()
    cohort = Cohort(organisation_id=org.id, name="Front desk", created_at=NOW)
    db.session.add(cohort)
    db.session.flush()
    db.session.add_all([CohortMember(cohort_id=cohort.id, user_id=p.id) for p in (zh, en, quiet)])
    db.session.add(
        Assignment(
            cohort_id=cohort.id,
            course_slug=course.slug,
            due_at=NOW + timedelta(days=20),
            created_at=NOW - timedelta(hours=1),
        )
    )
    db.session.commit()
    return zh, en, quiet


def _mails_to(address: str) -> list:
    return [m for m in outbox() if m["To"] == address]


def test_an_assignment_is_announced_once_in_each_persons_language(app, assigned):
    zh, en, quiet = assigned
    planned, sent = run_once(NOW)
    assert (planned, sent) == (2, 2)
    (chinese,) = _mails_to(zh.email)
    assert "服务团队协作" in chinese["Subject"]
    assert "http://localhost/courses/service-team-collaboration" in chinese.get_content()
    (english,) = _mails_to(en.email)
    assert english["Subject"].startswith("New course assigned")
    assert "Service Team Collaboration" in english["Subject"]
    assert _mails_to(quiet.email) == []  # opted out

    # A second run, or another worker running the same period, sends nothing again.
    assert run_once(NOW) == (0, 0)
    assert run_once(NOW + timedelta(minutes=10)) == (0, 0)
    assert len(outbox()) == 2
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "notification.sent")
    ).all()
    assert {e.subject_user_id for e in events} == {zh.id, en.id}


def test_reminders_and_overdue_follow_the_due_date(app, assigned):
    zh, en, _quiet = assigned
    run_once(NOW)
    run_once(NOW + timedelta(days=13, hours=1))  # 7 days before
    run_once(NOW + timedelta(days=19, hours=1))  # 1 day before
    run_once(NOW + timedelta(days=20, hours=1))  # past due
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == en.id).order_by(Notification.id)
    ).all()
    assert kinds == ["assigned", "due_7", "due_1", "overdue"]
    assert [m["Subject"].split(":")[0] for m in _mails_to(en.email)] == [
        "New course assigned", "Due in 7 days", "Due tomorrow", "Overdue",
    ]  # fmt: skip


def test_a_failed_delivery_is_tried_again_then_given_up(app, assigned, monkeypatch):
    from course import mail
    from course.notifications import messages, service

    calls = []

    def failing(to, subject, body):
        calls.append(to)
        raise mail.MailError("451 try later", permanent=False)

    service.plan(db.session, NOW)
    db.session.commit()
    for _ in range(service.MAX_TRIES + 2):
        service.deliver(db.session, NOW, messages.compose, failing, db.session.commit)
    rows = db.session.scalars(select(Notification)).all()
    assert all(row.failed_at and row.sent_at is None for row in rows)
    assert len(calls) == service.MAX_TRIES * len(rows)


def test_opt_outs_are_set_in_the_profile(client, login, assigned):
    zh, *_ = assigned
    login(zh)
    page = client.get("/account/notifications")
    assert page.status_code == 200
    client.post("/account/notifications", data={"on": ["grading", "certificates"]})
    db.session.refresh(zh)
    assert set(zh.notification_opt_outs) == {"assignments", "reminders", "expiry"}
    run_once(NOW)
    assert _mails_to(zh.email) == []


def test_graded_work_is_looked_up_for_essays_and_reflections(app, assigned):
    from course.notifications import service

    assert service._graded(db.session, NOW) == []  # nothing graded yet; both queries run
