"""Bulk issuing for a cohort: plan, issue in small batches, follow every trainee, package.

A run is a ``BulkIssue`` with one ``BulkIssueItem`` per cohort member. The work fans out:

1. ``start_bulk`` records the run and one pending item per member (the view commits);
2. ``issue_batch`` looks at the next few pending items and issues, one short transaction per
   batch, so automatic issuing on completion never waits behind a long bulk run; each issued
   certificate's PDF is queued after the batch commits, one render job per certificate, so more
   workers finish sooner;
3. ``rendered`` notes each render job's outcome on its item; the last one to finish moves the
   run to ``packaging`` (exactly once, under a lock on the run's row) and the ZIP job writes
   the archive to the store as a stream.

Trainees who already hold a valid certificate keep it unless the run was asked to re-issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from course.accounts.models import User
from course.catalog.models import Course
from course.certificates import service
from course.certificates.models import (
    BULK_FINISHED,
    BulkIssue,
    BulkIssueItem,
    Certificate,
)
from course.orgs.models import Cohort, CohortMember, Organisation
from course.progress.models import CourseCompletion

if TYPE_CHECKING:
    from course.certificates.signing import IssuingConfig

#: Trainees issued per transaction: small, so other writers get their turn between batches.
BATCH_SIZE = 20


@dataclass(frozen=True)
class Plan:
    """What a run would do, counted before the admin confirms it."""

    members: int
    eligible: int
    already: int
    ineligible: int


def _members(cohort_id: int):
    return (
        select(User.id, User.display_name)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort_id)
        .order_by(User.id)
    )


def _completed(session: Session, user_ids: list[int], course_id: int) -> set[int]:
    return set(
        session.scalars(
            select(CourseCompletion.user_id).where(
                CourseCompletion.course_id == course_id, CourseCompletion.user_id.in_(user_ids)
            )
        )
    )


def _valid_holders(
    session: Session, user_ids: list[int], course_id: int, org_id: int, now: datetime
) -> dict[int, int]:
    """Trainees among ``user_ids`` holding a valid (unexpired) certificate: user id -> its id."""
    rows = session.execute(
        select(Certificate.user_id, Certificate.id, Certificate.valid_until).where(
            Certificate.course_id == course_id,
            Certificate.organisation_id == org_id,
            Certificate.status == "valid",
            Certificate.user_id.in_(user_ids),
        )
    )
    return {u: c for u, c, until in rows if until is None or until > now}


def plan(
    session: Session, org: Organisation, course: Course, cohort: Cohort, now: datetime
) -> Plan:
    """Count, for the confirmation page, who would get a certificate (three queries)."""
    ids = [row.id for row in session.execute(_members(cohort.id))]
    completed = _completed(session, ids, course.id)
    holders = _valid_holders(session, ids, course.id, org.id, now)
    already = len(holders.keys() & set(ids))
    ineligible = len([i for i in ids if i not in completed and i not in holders])
    return Plan(len(ids), len(ids) - already - ineligible, already, ineligible)


def start_bulk(
    session: Session,
    actor: User,
    org: Organisation,
    course: Course,
    cohort: Cohort,
    reissue: bool,
    now: datetime,
) -> BulkIssue:
    """Record a run and one pending item per cohort member."""
    if cohort.organisation_id != org.id:
        raise service.CertificateRefused(_l("This cohort belongs to another organisation."))
    members = session.execute(_members(cohort.id)).all()
    run = BulkIssue(
        organisation_id=org.id,
        course_id=course.id,
        cohort_id=cohort.id,
        requested_by_id=getattr(actor, "id", None),
        state="queued",
        reissue=reissue,
        total=len(members),
        done=0,
        failures=[],
        created_at=now,
    )
    session.add(run)
    session.flush()
    session.add_all(
        BulkIssueItem(bulk_id=run.id, user_id=m.id, name=m.display_name, updated_at=now)
        for m in members
    )
    session.flush()
    return run


def issue_batch(
    session: Session, run: BulkIssue, config: IssuingConfig, now: datetime, size: int = BATCH_SIZE
) -> int:
    """Issue to the next ``size`` pending trainees of ``run``; returns how many were looked at.

    Each trainee gets an outcome: ``rendering`` (issued, PDF queued), ``already`` (a valid
    certificate and no re-issue asked for), ``ineligible`` (no recorded completion) or
    ``failed`` (refused, e.g. a name the fonts cannot draw; the error is kept).
    """
    items = session.scalars(
        select(BulkIssueItem)
        .where(BulkIssueItem.bulk_id == run.id, BulkIssueItem.outcome == "pending")
        .order_by(BulkIssueItem.id)
        .limit(size)
    ).all()
    if not items:
        return 0
    org = session.get(Organisation, run.organisation_id)
    course = session.get(Course, run.course_id)
    ids = [item.user_id for item in items]
    completed = _completed(session, ids, course.id)
    holders = _valid_holders(session, ids, course.id, org.id, now)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    for item in items:
        item.updated_at = now
        if item.user_id in holders and not run.reissue:
            item.outcome, item.certificate_id = "already", holders[item.user_id]
        elif item.user_id not in completed:
            item.outcome = "ineligible"
        else:
            try:
                with session.begin_nested():
                    certificate = service.issue_certificate(
                        session, None, users[item.user_id], course, org, now, config
                    )
            except service.CertificateRefused as exc:
                item.outcome, item.error = "failed", str(exc)
            else:
                item.outcome, item.certificate_id = "rendering", certificate.id
    session.flush()
    return len(items)


def rendered(session: Session, certificate_id: int, error: str | None, now: datetime) -> list[int]:
    """Note a render job's outcome on the bulk items waiting for it; returns the runs that
    this finished (moved to ``packaging``; the caller queues their ZIP after commit)."""
    outcome = "failed" if error else "issued"
    bulk_ids = session.scalars(
        select(BulkIssueItem.bulk_id).where(
            BulkIssueItem.certificate_id == certificate_id, BulkIssueItem.outcome == "rendering"
        )
    ).all()
    if not bulk_ids:
        return []
    session.execute(
        update(BulkIssueItem)
        .where(BulkIssueItem.certificate_id == certificate_id, BulkIssueItem.outcome == "rendering")
        .values(outcome=outcome, error=error or "", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return [bulk_id for bulk_id in set(bulk_ids) if finish_if_complete(session, bulk_id)]


def finish_if_complete(session: Session, bulk_id: int) -> bool:
    """Move a run whose every trainee has an outcome from ``rendering`` to ``packaging``.

    The run's row is locked first (``FOR UPDATE`` on PostgreSQL; SQLite's write transactions
    are serial), so the planning job and the last render jobs cannot both miss, or both take,
    the moment the run is complete. True when this call moved it.
    """
    run = session.scalars(
        select(BulkIssue)
        .where(BulkIssue.id == bulk_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if run is None or run.state != "rendering":
        return False
    open_items = session.scalar(
        select(func.count())
        .select_from(BulkIssueItem)
        .where(BulkIssueItem.bulk_id == bulk_id, BulkIssueItem.outcome.not_in(BULK_FINISHED))
    )
    if open_items:
        return False
    run.state = "packaging"
    session.flush()
    return True


def counts(session: Session, bulk_id: int) -> dict[str, int]:
    """How many trainees of the run have each outcome (one query)."""
    rows = session.execute(
        select(BulkIssueItem.outcome, func.count())
        .where(BulkIssueItem.bulk_id == bulk_id)
        .group_by(BulkIssueItem.outcome)
    )
    found = dict.fromkeys(("pending", "rendering", "issued", "already", "ineligible", "failed"), 0)
    found.update({outcome: number for outcome, number in rows})
    return found


def report(session: Session, bulk_id: int) -> list[tuple[BulkIssueItem, Certificate | None]]:
    """Every trainee of the run with its outcome and certificate, by name (one query)."""
    return list(
        session.execute(
            select(BulkIssueItem, Certificate)
            .outerjoin(Certificate, Certificate.id == BulkIssueItem.certificate_id)
            .where(BulkIssueItem.bulk_id == bulk_id)
            .order_by(BulkIssueItem.name, BulkIssueItem.id)
        )
    )
