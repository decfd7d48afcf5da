"""Organisation use cases: create, invite, import staff, cohorts and course assignments."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from course.accounts import service as accounts
from course.accounts.models import User
from course.orgs import staff_import
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


def members(session: Session, org: Organisation) -> list[Membership]:
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.organisation_id == org.id)
            .options(selectinload(Membership.user))
            .join(User)
            .order_by(User.display_name)
        )
    )


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


def is_invited(user: User, invitation) -> bool:
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


def _existing_people(session: Session, org: Organisation, emails: list[str]):
    rows = session.execute(
        select(User, Membership)
        .outerjoin(
            Membership,
            (Membership.user_id == User.id) & (Membership.organisation_id == org.id),
        )
        .where(User.email.in_(emails))
    )
    return {
        user.email: staff_import.ExistingMember(
            name=user.display_name,
            employee_number=membership.employee_number if membership else "",
            department=membership.department if membership else "",
            role=membership.role if membership else None,
        )
        for user, membership in rows
    }


def plan_staff_import(session: Session, org: Organisation, data: bytes) -> staff_import.ImportPlan:
    """What importing the CSV would do, row by row, without changing anything."""
    rows, _ = staff_import.parse(data)
    existing = _existing_people(session, org, [row.email for row in rows])
    return staff_import.plan(data, existing)


def apply_staff_import(
    session: Session, actor: User, org: Organisation, data: bytes, now: datetime
) -> tuple[staff_import.ImportPlan, list[User], list[tuple[Invitation, str]]]:
    """Import a clean file; returns the plan, the accounts created (to be sent a link to choose
    a password) and the invitations made with their tokens (to be e-mailed).

    An existing account that is not a member is never added: it gets an invitation its holder
    accepts while signed in. Nothing is written when any row has an error.
    """
    plan = plan_staff_import(session, org, data)
    if not plan.clean:
        raise OrgError("import_has_errors")
    created = []
    invitations = []
    users = {
        user.email: user
        for user in session.scalars(
            select(User).where(User.email.in_([p.row.email for p in plan.rows]))
        )
    }
    for row_plan in plan.rows:
        row = row_plan.row
        if row_plan.action == "unchanged":
            continue
        if row_plan.action == "invite":
            invitations.append(
                invite(
                    session,
                    actor,
                    org,
                    row.email,
                    row.role,
                    now,
                    row.employee_number,
                    row.department,
                )  # fmt: skip
            )
            continue
        user = users.get(row.email)
        if user is None:
            user = accounts.create_user(
                session, row.email, secrets.token_urlsafe(24), row.name, now
            )
            created.append(user)
        add_member(session, org, user, row.role, now, row.employee_number, row.department)
    return plan, created, invitations


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


def cohorts(session: Session, org: Organisation) -> list[Cohort]:
    return list(
        session.scalars(
            select(Cohort)
            .where(Cohort.organisation_id == org.id)
            .options(selectinload(Cohort.members), selectinload(Cohort.assignments))
            .order_by(Cohort.name)
        )
    )


def set_cohort_members(session: Session, cohort: Cohort, user_ids: list[int]) -> None:
    """Make the cohort's members exactly ``user_ids`` (members of its organisation only)."""
    allowed = set(
        session.scalars(
            select(Membership.user_id).where(
                Membership.organisation_id == cohort.organisation_id,
                Membership.user_id.in_(user_ids),
            )
        )
    )
    current = {member.user_id: member for member in cohort.members}
    for user_id, member in current.items():
        if user_id not in allowed:
            cohort.members.remove(member)
    for user_id in allowed - current.keys():
        cohort.members.append(CohortMember(user_id=user_id))
    session.flush()


def assign_course(
    session: Session,
    actor: User,
    cohort: Cohort,
    course_slug: str,
    due_at: datetime | None,
    now: datetime,
) -> Assignment:
    """Assign a course (by slug) to a cohort, or move the due date of an existing assignment."""
    assignment = session.scalar(
        select(Assignment).where(
            Assignment.cohort_id == cohort.id, Assignment.course_slug == course_slug
        )
    )
    if assignment is None:
        assignment = Assignment(
            cohort_id=cohort.id, course_slug=course_slug, assigned_by_id=actor.id, created_at=now
        )
        session.add(assignment)
    assignment.due_at = due_at
    session.flush()
    return assignment


def assignments_for(session: Session, user_id: int) -> list[Assignment]:
    """Every assignment that reaches the user through a cohort."""
    return list(
        session.scalars(
            select(Assignment)
            .join(Cohort)
            .join(CohortMember)
            .where(CohortMember.user_id == user_id)
            .options(selectinload(Assignment.cohort).selectinload(Cohort.organisation))
            .order_by(Assignment.due_at)
        )
    )
