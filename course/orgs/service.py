"""Organisation use cases: create, invite, import staff, cohorts and course assignments."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, func, insert, select
from sqlalchemy.orm import Session, contains_eager

from course.accounts import service as accounts
from course.accounts.models import User
from course.catalog.models import Course
from course.orgs.models import (
    ROLES,
    Assignment,
    Cohort,
    CohortMember,
    Invitation,
    Membership,
    Organisation,
)

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
INVITATION_DAYS = 14


class OrgError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def create_organisation(
    session: Session,
    slug: str,
    name: dict[str, str],
    now: datetime,
    signatory_name: str = "",
    signatory_title: dict[str, str] | None = None,
    self_registration: bool = True,
) -> Organisation:
    """A new organisation; the slug is its permanent address."""
    if not SLUG.match(slug):
        raise OrgError("bad_slug")
    if session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        raise OrgError("slug_taken")
    org = Organisation(
        slug=slug,
        name=name,
        signatory_name=signatory_name,
        signatory_title=signatory_title or {},
        self_registration=self_registration,
        created_at=now,
    )
    session.add(org)
    session.flush()
    return org


def get_organisation(session: Session, slug: str) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.slug == slug))


def organisations_of(session: Session, user: User) -> list[Organisation]:
    """Organisations the user belongs to (all of them for a platform admin)."""
    query = select(Organisation).order_by(Organisation.slug)
    if not user.is_platform_admin:
        query = query.join(Membership).where(Membership.user_id == user.id)
    return list(session.scalars(query))


def add_member(
    session: Session,
    org: Organisation,
    user: User,
    role: str,
    now: datetime,
    employee_number: str = "",
    department: str = "",
) -> Membership:
    """Make ``user`` a member with ``role``, or change the role of an existing member."""
    if role not in ROLES:
        raise OrgError("bad_role")
    membership = session.scalar(
        select(Membership).where(
            Membership.organisation_id == org.id, Membership.user_id == user.id
        )
    )
    if membership is None:
        membership = Membership(organisation_id=org.id, user_id=user.id, created_at=now)
        session.add(membership)
    membership.role = role
    membership.employee_number = employee_number or membership.employee_number or ""
    membership.department = department or membership.department or ""
    session.flush()
    return membership


def deactivate_member(session: Session, membership: Membership, now: datetime) -> Membership:
    """The member keeps their records but holds no role here and counts in no assignment."""
    if membership.deactivated_at is None:
        membership.deactivated_at = now
        session.flush()
    return membership


def reactivate_member(session: Session, membership: Membership) -> Membership:
    membership.deactivated_at = None
    session.flush()
    return membership


def remove_member(session: Session, membership: Membership) -> None:
    """The person leaves the organisation: the membership and their places in its cohorts go;
    their learning records, attempts and certificates stay (they belong to the person)."""
    cohort_ids = select(Cohort.id).where(Cohort.organisation_id == membership.organisation_id)
    for place in session.scalars(
        select(CohortMember).where(
            CohortMember.user_id == membership.user_id, CohortMember.cohort_id.in_(cohort_ids)
        )
    ):
        session.delete(place)
    session.delete(membership)
    session.flush()


def membership_of(session: Session, org: Organisation, user_id: int) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.organisation_id == org.id, Membership.user_id == user_id
        )
    )


def _matching(q: str | None):
    """People whose name, address, employee number or department contains ``q``."""
    q = (q or "").strip()
    if not q:
        return None
    return (
        User.display_name.contains(q, autoescape=True)
        | User.email.contains(q.lower(), autoescape=True)
        | Membership.employee_number.contains(q, autoescape=True)
        | Membership.department.contains(q, autoescape=True)
    )


def members_query(org: Organisation, q: str | None = None, role: str | None = None) -> Select:
    """The organisation's memberships (with their people), by name, for one page at a time."""
    query = (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .options(contains_eager(Membership.user))
        .where(Membership.organisation_id == org.id)
        .order_by(User.display_name, User.id)
    )
    matching = _matching(q)
    if matching is not None:
        query = query.where(matching)
    if role in ROLES:
        query = query.where(Membership.role == role)
    return query


def search_members(
    session: Session, org: Organisation, q: str, limit: int = 20
) -> list[Membership]:
    """The first members matching ``q`` (the trainee picker's suggestions)."""
    if len((q or "").strip()) < 1:
        return []
    return list(session.scalars(members_query(org, q).limit(limit)))


def join_self(session: Session, org: Organisation, user: User, now: datetime) -> Membership:
    """A person joins as a trainee, where the organisation allows self-registration."""
    if not org.self_registration:
        raise OrgError("self_registration_closed")
    existing = session.scalar(
        select(Membership).where(
            Membership.organisation_id == org.id, Membership.user_id == user.id
        )
    )
    return existing or add_member(session, org, user, "trainee", now)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A link token and the hash to store (the token itself is never stored)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def invite(
    session: Session,
    actor: User,
    org: Organisation,
    email: str,
    role: str,
    now: datetime,
    employee_number: str = "",
    department: str = "",
) -> tuple[Invitation, str]:
    """An invitation and the token for its link (the token is not stored)."""
    if role not in ROLES:
        raise OrgError("bad_role")
    token, token_hash = new_token()
    invitation = Invitation(
        organisation_id=org.id,
        email=accounts.normalise_email(email),
        role=role,
        employee_number=employee_number,
        department=department,
        token_hash=token_hash,
        invited_by_id=actor.id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def find_invitation(session: Session, token: str, now: datetime) -> Invitation | None:
    """The open invitation behind a link, or None when unknown, used or expired."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_hash == hash_token(token))
    )
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= now:
        return None
    return invitation


def is_invited(user: User, invitation: Invitation) -> bool:
    """Whether ``user`` is the holder of the address an invitation was sent to."""
    return accounts.normalise_email(user.email) == invitation.email


def accept_invitation(
    session: Session, invitation: Invitation, user: User, now: datetime
) -> Membership:
    """The signed-in user takes up the invitation (once), only when signed in with the invited
    address (``OrgError("wrong_account")`` otherwise)."""
    if not is_invited(user, invitation):
        raise OrgError("wrong_account")
    membership = add_member(
        session,
        invitation.organisation,
        user,
        invitation.role,
        now,
        invitation.employee_number,
        invitation.department,
    )
    invitation.accepted_at = now
    session.flush()
    return membership


def create_cohort(session: Session, org: Organisation, name: str, now: datetime) -> Cohort:
    name = name.strip()
    if not name:
        raise OrgError("empty_name")
    if session.scalar(
        select(Cohort.id).where(Cohort.organisation_id == org.id, Cohort.name == name)
    ):
        raise OrgError("cohort_exists")
    cohort = Cohort(organisation_id=org.id, name=name, created_at=now)
    session.add(cohort)
    session.flush()
    return cohort


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    members: int
    courses: int


def cohort_summaries(session: Session, org: Organisation) -> list[CohortSummary]:
    """The organisation's cohorts with member and course counts, counted in SQL."""
    members = (
        select(func.count())
        .where(CohortMember.cohort_id == Cohort.id)
        .correlate(Cohort)
        .scalar_subquery()
    )
    courses = (
        select(func.count())
        .where(Assignment.cohort_id == Cohort.id)
        .correlate(Cohort)
        .scalar_subquery()
    )
    return [
        CohortSummary(cohort, n_members, n_courses)
        for cohort, n_members, n_courses in session.execute(
            select(Cohort, members, courses)
            .where(Cohort.organisation_id == org.id)
            .order_by(Cohort.name)
        )
    ]


def cohort_members_query(cohort: Cohort, q: str | None = None) -> Select:
    """A cohort's members with their membership in its organisation, by name."""
    query = (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .join(
            CohortMember,
            (CohortMember.user_id == Membership.user_id) & (CohortMember.cohort_id == cohort.id),
        )
        .options(contains_eager(Membership.user))
        .where(Membership.organisation_id == cohort.organisation_id)
        .order_by(User.display_name, User.id)
    )
    matching = _matching(q)
    return query if matching is None else query.where(matching)


def cohort_candidates_query(cohort: Cohort, q: str | None = None) -> Select:
    """Members of the cohort's organisation who are not in it yet, by name."""
    inside = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
    query = (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .options(contains_eager(Membership.user))
        .where(Membership.organisation_id == cohort.organisation_id)
        .where(Membership.user_id.not_in(inside))
        .order_by(User.display_name, User.id)
    )
    matching = _matching(q)
    return query if matching is None else query.where(matching)


def add_cohort_members(session: Session, cohort: Cohort, user_ids: list[int]) -> int:
    """Add members of the cohort's organisation to it (others are ignored); returns how many."""
    allowed = set(
        session.scalars(
            select(Membership.user_id).where(
                Membership.organisation_id == cohort.organisation_id,
                Membership.user_id.in_(user_ids),
                Membership.user_id.not_in(
                    select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
                ),
            )
        )
    )
    if allowed:
        session.execute(
            insert(CohortMember), [{"cohort_id": cohort.id, "user_id": uid} for uid in allowed]
        )
    session.flush()
    return len(allowed)


def remove_cohort_members(session: Session, cohort: Cohort, user_ids: list[int]) -> int:
    """Take people out of the cohort; returns how many were in it."""
    result = session.execute(
        delete(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id.in_(user_ids)
        )
    )
    session.flush()
    return result.rowcount or 0


def assignable_courses(session: Session) -> list[Course]:
    """The courses a cohort may be given: published, with a version learners can open."""
    return list(
        session.scalars(
            select(Course)
            .where(Course.is_published.is_(True), Course.current_number > 0)
            .order_by(Course.slug)
        )
    )


def assign_course(
    session: Session,
    actor: User,
    cohort: Cohort,
    course_slug: str,
    due_at: datetime | None,
    now: datetime,
) -> Assignment:
    """Assign a course (by slug) to a cohort, or move the due date of an existing assignment.

    Only an existing published course can be assigned (``OrgError("unknown_course")``): an
    assignment to a slug no course has would count its trainees once more in every report.
    """
    course = session.scalar(
        select(Course).where(
            Course.slug == course_slug,
            Course.is_published.is_(True),
            Course.current_number > 0,
        )
    )
    if course is None:
        raise OrgError("unknown_course")
    assignment = session.scalar(
        select(Assignment).where(
            Assignment.cohort_id == cohort.id, Assignment.course_slug == course.slug
        )
    )
    if assignment is None:
        assignment = Assignment(
            cohort_id=cohort.id, course_slug=course.slug, assigned_by_id=actor.id, created_at=now
        )
        session.add(assignment)
    assignment.due_at = due_at
    session.flush()
    return assignment
