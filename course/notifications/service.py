"""Planning and delivering notifications.

``plan`` finds what is owed now (new assignments, due-date reminders, graded essays and
reflections, issued and expiring certificates) and writes one row per person, kind and subject;
the unique key makes a second plan a no-op, however many workers run it. ``deliver`` sends the
rows not sent yet, each in the recipient's language, marks each sent in its own transaction and
records it in the audit trail. A temporary mail failure leaves the row for the next run; after
``MAX_TRIES`` or a permanent refusal it is marked failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from course.accounts.models import User
from course.audit import service as audit
from course.catalog.models import Course
from course.certificates.models import Certificate
from course.notifications import rules
from course.notifications.models import Notification
from course.orgs.models import Assignment, Cohort, CohortMember, Membership
from course.progress.models import CourseCompletion

MAX_TRIES = 8


@dataclass(frozen=True)
class Owed:
    user_id: int
    kind: str
    key: str
    facts: dict


def _assignments(session: Session, now: datetime) -> list[Owed]:
    """Assigned courses of active members not completed yet: the assignment itself (when
    recent) and the due-date reminders."""
    rows = session.execute(
        select(
            Assignment.id,
            Assignment.course_slug,
            Assignment.due_at,
            Assignment.created_at,
            CohortMember.user_id,
            User.notification_opt_outs,
            Course.id,
            Course.title,
        )
        .join(Cohort, Cohort.id == Assignment.cohort_id)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(
            Membership,
            and_(
                Membership.user_id == CohortMember.user_id,
                Membership.organisation_id == Cohort.organisation_id,
                Membership.deactivated_at.is_(None),
            ),
        )
        .join(User, User.id == CohortMember.user_id)
        .join(Course, Course.slug == Assignment.course_slug)
        .outerjoin(
            CourseCompletion,
            and_(
                CourseCompletion.user_id == CohortMember.user_id,
                CourseCompletion.course_id == Course.id,
            ),
        )
        .where(
            CourseCompletion.id.is_(None),
            User.deactivated_at.is_(None),
            User.deleted_at.is_(None),
        )
    )
    owed = []
    for assignment_id, slug, due_at, created_at, user_id, opt_outs, _course, title in rows:
        facts = {
            "course": title,
            "course_slug": slug,
            "due_at": due_at.isoformat() if due_at else None,
        }
        key = f"assignment:{assignment_id}"
        kinds = (["assigned"] if rules.recent(created_at, now) else []) + rules.reminder_kinds(
            due_at, now
        )
        owed += [Owed(user_id, kind, key, facts) for kind in kinds if rules.wanted(kind, opt_outs)]
    return owed


def _graded(session: Session, now: datetime) -> list[Owed]:
    from course.cases.models import CasePlay, Reflection
    from course.quizzes.models import EssayGrading, QuizAttempt

    since = now - rules.LOOKBACK
    owed = []
    graded = (
        (
            "essay",
            select(EssayGrading.id, QuizAttempt.user_id, User.notification_opt_outs, Course.title)
            .join(QuizAttempt, QuizAttempt.id == EssayGrading.attempt_id)
            .join(User, User.id == QuizAttempt.user_id)
            .join(Course, Course.id == EssayGrading.course_id)
            .where(EssayGrading.graded_at >= since, EssayGrading.graded_at <= now),
        ),
        (
            "reflection",
            select(Reflection.id, CasePlay.user_id, User.notification_opt_outs, Course.title)
            .join(CasePlay, CasePlay.id == Reflection.play_id)
            .join(User, User.id == CasePlay.user_id)
            .join(Course, Course.id == CasePlay.course_id)
            .where(Reflection.reviewed_at >= since, Reflection.reviewed_at <= now),
        ),
    )
    for kind, statement in graded:
        active = statement.where(User.deactivated_at.is_(None), User.deleted_at.is_(None))
        for item_id, user_id, opt_outs, title in session.execute(active):
            if rules.wanted("graded", opt_outs):
                owed.append(Owed(user_id, "graded", f"{kind}:{item_id}", {"course": title}))
    return owed


def _certificates(session: Session, now: datetime) -> list[Owed]:
    rows = session.execute(
        select(Certificate, User.notification_opt_outs)
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.status == "valid")
        .where(User.deactivated_at.is_(None), User.deleted_at.is_(None))
    )
    owed = []
    for certificate, opt_outs in rows:
        facts = {
            "course": certificate.course_title,
            "serial": certificate.serial,
            "valid_until": (
                certificate.valid_until.isoformat() if certificate.valid_until else None
            ),
            "certificate_id": certificate.id,
        }
        kinds = ["certificate_issued"] if rules.recent(certificate.issued_at, now) else []
        kinds += rules.expiry_kinds(certificate.valid_until, now)
        key = f"certificate:{certificate.id}"
        owed += [
            Owed(certificate.user_id, kind, key, facts)
            for kind in kinds
            if rules.wanted(kind, opt_outs)
        ]
    return owed


def owed(session: Session, now: datetime) -> list[Owed]:
    """Everything owed at ``now``, sent or not."""
    return _assignments(session, now) + _graded(session, now) + _certificates(session, now)


def plan(session: Session, now: datetime) -> int:
    """Write a row for every owed notification that has none yet; returns how many."""
    candidates = owed(session, now)
    if not candidates:
        return 0
    users = {item.user_id for item in candidates}
    existing = {
        (user_id, kind, key)
        for user_id, kind, key in session.execute(
            select(Notification.user_id, Notification.kind, Notification.key).where(
                Notification.user_id.in_(users)
            )
        )
    }
    new = [
        Notification(
            user_id=item.user_id, kind=item.kind, key=item.key, facts=item.facts, created_at=now
        )
        for item in candidates
        if (item.user_id, item.kind, item.key) not in existing
    ]
    seen: set[tuple[int, str, str]] = set()
    for row in new:
        if (row.user_id, row.kind, row.key) not in seen:
            seen.add((row.user_id, row.kind, row.key))
            session.add(row)
    session.flush()
    return len(seen)


Message = tuple[str, str]
Sender = Callable[[str, str, str], object]
Composer = Callable[[Notification, User], Message]


def deliver(
    session: Session,
    now: datetime,
    compose: Composer,
    send: Sender,
    commit: Callable[[], None],
    limit: int = 500,
) -> int:
    """Send up to ``limit`` unsent notifications, calling ``commit`` after each (so a crash
    half-way never sends one twice); returns how many went."""
    from course.mail import MailError

    pending = session.scalars(
        select(Notification)
        .where(Notification.sent_at.is_(None), Notification.failed_at.is_(None))
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    sent = 0
    for notification in pending:
        user = session.get(User, notification.user_id)
        if user is None or not user.is_active:
            notification.failed_at = now
            commit()
            continue
        subject, body = compose(notification, user)
        notification.tries += 1
        try:
            send(user.email, subject, body)
        except MailError as exc:
            notification.last_error = str(exc)[:500]
            if exc.permanent or notification.tries >= MAX_TRIES:
                notification.failed_at = now
            commit()
            continue
        notification.sent_at = now
        audit.record(
            session,
            "notification.sent",
            subject_user_id=user.id,
            target=("notification", notification.id),
            details={"kind": notification.kind, "about": notification.key},
            now=now,
        )
        commit()
        sent += 1
    return sent
