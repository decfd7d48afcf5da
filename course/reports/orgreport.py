"""Organisation reports: assigned courses by cohort and department, overdue assignments, and
certificates issued, expiring and revoked. Only the organisation's own people and certificates
are ever read."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.accounts.models import User
from course.catalog.models import Course
from course.certificates.models import Certificate
from course.orgs.models import Assignment, Cohort, CohortMember, Membership, Organisation
from course.progress.models import CourseCompletion


@dataclass(frozen=True)
class Filters:
    """What the page was asked for; every field optional."""

    course_slug: str | None = None
    cohort_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


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
class OrgReport:
    rows: list[AssignmentRow] = field(default_factory=list)
    by_cohort: list[Tally] = field(default_factory=list)
    by_department: list[Tally] = field(default_factory=list)
    issued: list[Certificate] = field(default_factory=list)
    expiring: dict[int, list[Certificate]] = field(default_factory=dict)
    revoked: list[Certificate] = field(default_factory=list)


def assignment_rows(
    session: Session, org: Organisation, now: datetime, filters: Filters
) -> list[AssignmentRow]:
    """Every (cohort member, assigned course) of the organisation with its completion state."""
    query = (
        select(Cohort.name, Assignment.course_slug, Assignment.due_at, User, Membership.department)
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
        .where(Cohort.organisation_id == org.id)
        .order_by(Cohort.name, User.display_name, Assignment.course_slug)
    )
    if filters.course_slug:
        query = query.where(Assignment.course_slug == filters.course_slug)
    if filters.cohort_id:
        query = query.where(Cohort.id == filters.cohort_id)
    found = session.execute(query).all()
    users = {row[3].id for row in found}
    completions = {
        (user_id, slug): completed_at
        for user_id, slug, completed_at in session.execute(
            select(CourseCompletion.user_id, Course.slug, CourseCompletion.completed_at)
            .join(Course, Course.id == CourseCompletion.course_id)
            .where(CourseCompletion.user_id.in_(users or {-1}))
        )
    }
    rows = []
    for cohort, slug, due_at, user, department in found:
        completed_at = completions.get((user.id, slug))
        if completed_at and filters.since and completed_at < filters.since:
            continue
        if completed_at and filters.until and completed_at > filters.until:
            continue
        status = "completed" if completed_at else "overdue" if due_at and due_at < now else "open"
        rows.append(
            AssignmentRow(
                user.display_name,
                user.email,
                department or "",
                cohort,
                slug,
                due_at,
                completed_at,
                status,
            )  # fmt: skip
        )
    return rows


def tallies(rows: list[AssignmentRow], key) -> list[Tally]:
    """Counts per group (``key(row)`` names the group), in name order."""
    groups: dict[str, Tally] = defaultdict(lambda: Tally(""))
    for row in rows:
        label = key(row)
        tally = groups[label]
        tally.label = label
        tally.assigned += 1
        tally.completed += row.status == "completed"
        tally.overdue += row.status == "overdue"
    return [groups[label] for label in sorted(groups)]


def org_report(session: Session, org: Organisation, now: datetime, filters: Filters) -> OrgReport:
    """The whole organisation report for the filters."""
    rows = assignment_rows(session, org, now, filters)
    query = select(Certificate).where(Certificate.organisation_id == org.id)
    if filters.course_slug:
        query = query.join(Course, Course.id == Certificate.course_id).where(
            Course.slug == filters.course_slug
        )
    certificates = list(session.scalars(query.order_by(Certificate.issued_at.desc())))
    in_range = [
        c
        for c in certificates
        if (not filters.since or c.issued_at >= filters.since)
        and (not filters.until or c.issued_at <= filters.until)
    ]
    live = [c for c in certificates if c.status != "revoked" and c.valid_until]
    expiring = {
        days: sorted(
            (c for c in live if now <= c.valid_until <= now + timedelta(days=days)),
            key=lambda c: c.valid_until,
        )
        for days in (30, 60, 90)
    }
    return OrgReport(
        rows=rows,
        by_cohort=tallies(rows, lambda r: r.cohort),
        by_department=tallies(rows, lambda r: r.department or "—"),
        issued=in_range,
        expiring=expiring,
        revoked=[c for c in in_range if c.status == "revoked"],
    )


def cohorts_of(session: Session, org: Organisation) -> list[Cohort]:
    """The organisation's cohorts, for the filter."""
    return list(
        session.scalars(
            select(Cohort).where(Cohort.organisation_id == org.id).order_by(Cohort.name)
        )
    )
