"""Co-instructors join a course by invitation: the invited address's holder accepts while signed
in, so adding someone never depends on (or reveals) whether the address has an account."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.accounts.service import normalise_email
from course.authoring.models import CourseInstructor, InstructorInvitation
from course.authoring.service import add_instructor
from course.catalog.models import Course
from course.orgs.service import INVITATION_DAYS, hash_token, is_invited, new_token

if TYPE_CHECKING:
    from course.accounts.models import User


class InvitationRefused(ValueError):
    """The signed-in account is not the one the invitation was sent to."""


def invite_instructor(
    session: Session, actor: User, course: Course, email: str, now: datetime
) -> tuple[InstructorInvitation, str]:
    """An invitation to co-instruct ``course`` and the token for its link."""
    token, token_hash = new_token()
    invitation = InstructorInvitation(
        course_id=course.id,
        email=normalise_email(email),
        token_hash=token_hash,
        invited_by_id=getattr(actor, "id", None),
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def find_invitation(session: Session, token: str, now: datetime) -> InstructorInvitation | None:
    """The open invitation behind a link, or None when unknown, used or expired."""
    invitation = session.scalar(
        select(InstructorInvitation).where(InstructorInvitation.token_hash == hash_token(token))
    )
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= now:
        return None
    return invitation


def accept_invitation(
    session: Session, invitation: InstructorInvitation, user: User, now: datetime
) -> CourseInstructor:
    """The signed-in holder of the invited address becomes an instructor of the course."""
    if not is_invited(user, invitation):
        raise InvitationRefused(invitation.email)
    course = session.get(Course, invitation.course_id)
    row = add_instructor(session, None, course, user, now)
    row.added_by_id = row.added_by_id or invitation.invited_by_id
    invitation.accepted_at = now
    session.flush()
    return row
