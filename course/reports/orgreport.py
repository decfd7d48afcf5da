"""Organisation reports: assigned courses by cohort and department, overdue assignments, and
certificates issued, expiring and revoked. Only the organisation's own people and certificates
are ever read.

Everything is counted and filtered by the database: the page reads one page of assignments,
the tallies per cohort and department (``GROUP BY``) and the certificate counts, whatever the
organisation's size; exports stream the same queries row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from course.accounts.models import User
from course.catalog.models import Course
from course.certificates.models import Certificate
from course.orgs.models import Assignment, Cohort, CohortMember, Membership, Organisation
from course.progress.models import CourseCompletion

if TYPE_CHECKING:
    from typing import Any


STATUSES = ("completed", "overdue", "open")
EXPIRY_WINDOWS = (30, 60, 90)


@dataclass(frozen=True)
class Filters:
    """What the page was asked for; every field optional."""

    course_slug: str | None = None
    cohort_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    #: Name or address contains (assignment rows only).
    q: str | None = None
    #: ``completed``, ``overdue`` or ``open`` (assignment rows only).
    status: str | None = None


@dataclass(frozen=True)
class AssignmentRow:
    """One person's one assigned course."""

    name: str
    email: str
    department: str
    cohort: str
    course_slug: str
    due_at: datetime | None
    completed_at: datetime | None
    status: str  # completed | overdue | open


@dataclass
class Tally:
    """Assigned, completed and overdue counts for a cohort or a department."""

    label: str
    assigned: int = 0
    completed: int = 0
    overdue: int = 0

    @property
    def rate(self) -> float:
        return self.completed / self.assigned if self.assigned else 0.0


@dataclass
class CertificateCounts:
    issued: int = 0
    revoked: int = 0
    #: ``{days: live certificates whose validity ends within that many days}``.
    expiring: dict[int, int] = field(default_factory=dict)


def _status(now: datetime):
    return case(
        (CourseCompletion.completed_at.is_not(None), "completed"),
        (and_(Assignment.due_at.is_not(None), Assignment.due_at < now), "overdue"),
        else_="open",
    )


def assignments_query(org: Organisation, now: datetime, filters: Filters) -> Select:
    """Every (cohort member, assigned course) of the organisation with its completion state,
    as rows shaped like :class:`AssignmentRow`, ordered by cohort, name and course."""
    status = _status(now)
    query = (
        select(
            User.display_name.label("name"),
            User.email.label("email"),
            func.coalesce(Membership.department, "").label("department"),
            Cohort.name.label("cohort"),
            Assignment.course_slug.label("course_slug"),
            Assignment.due_at.label("due_at"),
            CourseCompletion.completed_at.label("completed_at"),
            status.label("status"),
        )
        .select_from(Cohort)
        .join(Assignment, Assignment.cohort_id == Cohort.id)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(User, User.id == CohortMember.user_id)
        # Only current, active members count: a deactivated or removed member's assignments
        # leave the compliance figures (their records stay).
        .join(
            Membership,
            (Membership.user_id == User.id)
            & (Membership.organisation_id == org.id)
            & Membership.deactivated_at.is_(None),
        )
        # An assignment to a slug no course has (typed by hand before assignments were chosen
        # from a list) is nothing anyone can complete: it adds no row.
        .join(Course, Course.slug == Assignment.course_slug)
        .outerjoin(
            CourseCompletion,
            (CourseCompletion.course_id == Course.id) & (CourseCompletion.user_id == User.id),
        )
        .where(Cohort.organisation_id == org.id)
    )
    if filters.course_slug:
        query = query.where(Assignment.course_slug == filters.course_slug)
    if filters.cohort_id:
        query = query.where(Cohort.id == filters.cohort_id)
    # A completion outside the period hides the row; open assignments always show.
    if filters.since:
        query = query.where(
            or_(
                CourseCompletion.completed_at.is_(None),
                CourseCompletion.completed_at >= filters.since,
            )
        )
    if filters.until:
        query = query.where(
            or_(
                CourseCompletion.completed_at.is_(None),
                CourseCompletion.completed_at <= filters.until,
            )
        )
    return query


def assignment_rows_query(org: Organisation, now: datetime, filters: Filters) -> Select:
    """:func:`assignments_query` narrowed by name and status, in the table's order."""
    query = assignments_query(org, now, filters)
    q = (filters.q or "").strip()
    if q:
        query = query.where(
            User.display_name.contains(q, autoescape=True)
            | User.email.contains(q.lower(), autoescape=True)
        )
    if filters.status in STATUSES:
        query = query.where(_status(now) == filters.status)
    return query.order_by(Cohort.name, User.display_name, User.id, Assignment.course_slug)


def as_row(row: Any) -> AssignmentRow:
    return AssignmentRow(*row)


def assignment_rows(
    session: Session, org: Organisation, now: datetime, filters: Filters
) -> list[AssignmentRow]:
    """Every assignment row at once (small organisations and tests; pages use a page)."""
    return [as_row(row) for row in session.execute(assignment_rows_query(org, now, filters))]


@dataclass
class Tallies:
    """Completion counts per cohort and per department, and all rows together."""

    by_cohort: list[Tally]
    by_department: list[Tally]
    total: int


def tallies(session: Session, org: Organisation, now: datetime, filters: Filters) -> Tallies:
    """Assigned, completed and overdue counts per cohort and per department, in name order,
    from one ``GROUP BY cohort, department`` (a few hundred groups at most)."""
    rows = assignments_query(org, now, filters).subquery()
    found = session.execute(
        select(
            rows.c.cohort,
            rows.c.department,
            func.count(),
            func.sum(case((rows.c.status == "completed", 1), else_=0)),
            func.sum(case((rows.c.status == "overdue", 1), else_=0)),
        ).group_by(rows.c.cohort, rows.c.department)
    )
    cohorts: dict[str, Tally] = {}
    departments: dict[str, Tally] = {}
    total = 0
    for cohort, department, assigned, completed, overdue in found:
        total += assigned
        for groups, name in ((cohorts, cohort), (departments, department or "—")):
            tally = groups.setdefault(name, Tally(name))
            tally.assigned += assigned
            tally.completed += completed or 0
            tally.overdue += overdue or 0
    return Tallies(
        [cohorts[name] for name in sorted(cohorts)],
        [departments[name] for name in sorted(departments)],
        total,
    )


def _certificates(org: Organisation, filters: Filters) -> Select:
    query = select(Certificate).where(Certificate.organisation_id == org.id)
    if filters.course_slug:
        query = query.join(Course, Course.id == Certificate.course_id).where(
            Course.slug == filters.course_slug
        )
    return query


def issued_query(org: Organisation, filters: Filters) -> Select:
    """Certificates issued in the period (any status), newest first."""
    query = _certificates(org, filters)
    if filters.since:
        query = query.where(Certificate.issued_at >= filters.since)
    if filters.until:
        query = query.where(Certificate.issued_at <= filters.until)
    return query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())


def expiring_query(org: Organisation, now: datetime, filters: Filters, days: int) -> Select:
    """Live certificates whose validity ends within ``days``, soonest first."""
    return (
        _certificates(org, filters)
        .where(
            Certificate.status != "revoked",
            Certificate.valid_until.is_not(None),
            Certificate.valid_until >= now,
            Certificate.valid_until <= now + timedelta(days=days),
        )
        .order_by(Certificate.valid_until, Certificate.id)
    )


def certificate_counts(
    session: Session, org: Organisation, now: datetime, filters: Filters
) -> CertificateCounts:
    """Issued and revoked in the period, and expiring within 30, 60 and 90 days (one query)."""
    issued = issued_query(org, filters).order_by(None).subquery()
    expiring = {
        days: expiring_query(org, now, filters, days)
        .order_by(None)
        .with_only_columns(func.count())
        .scalar_subquery()
        for days in EXPIRY_WINDOWS
    }
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((issued.c.status == "revoked", 1), else_=0)), 0),
            *expiring.values(),
        ).select_from(issued)
    ).one()
    return CertificateCounts(
        issued=row[0], revoked=row[1], expiring=dict(zip(EXPIRY_WINDOWS, row[2:], strict=True))
    )


def cohorts_of(session: Session, org: Organisation) -> list[Cohort]:
    """The organisation's cohorts, for the filter."""
    return list(
        session.scalars(
            select(Cohort).where(Cohort.organisation_id == org.id).order_by(Cohort.name)
        )
    )
