"""Enrolment and lesson progress.

Progress is keyed by the course and the lesson's stable slug, never by a version, so a new
version of a course keeps everyone's records; a lesson removed from the course keeps its records
but no longer counts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.orgs.models import Assignment, CohortMember
from course.progress.models import Enrolment, LessonCompletion


class EnrolmentRefused(Exception):
    """The course is not open to this user (assigned-only and not assigned to them)."""


def assigned_courses(session: Session, user_id: int) -> dict[str, datetime | None]:
    """``{course_slug: earliest due date or None}`` over the user's cohorts' assignments."""
    rows = session.execute(
        select(Assignment.course_slug, Assignment.due_at)
        .join(CohortMember, CohortMember.cohort_id == Assignment.cohort_id)
        .where(CohortMember.user_id == user_id)
    )
    due: dict[str, datetime | None] = {}
    for slug, due_at in rows:
        if slug not in due or (due_at is not None and (due[slug] is None or due_at < due[slug])):
            due[slug] = due_at
    return due


def get_enrolment(session: Session, user_id: int, course_id: int) -> Enrolment | None:
    """The user's enrolment in the course, if any."""
    return session.scalar(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    )


def enrol(
    session: Session, user, course, now: datetime, source: str = "self", due_at=None
) -> Enrolment:
    """Enrol ``user`` in ``course`` (idempotent). An assignment's due date is taken over.

    A course whose enrolment is ``assigned`` accepts only users one of whose cohorts has it
    assigned; others get :class:`EnrolmentRefused`.
    """
    assigned = assigned_courses(session, user.id)
    if course.slug in assigned:
        source = "assignment"
        due_at = due_at or assigned[course.slug]
    elif source == "self" and course.enrolment != "open":
        raise EnrolmentRefused(course.slug)
    enrolment = get_enrolment(session, user.id, course.id)
    if enrolment is None:
        enrolment = Enrolment(
            user_id=user.id, course_id=course.id, enrolled_at=now, source=source, due_at=due_at
        )
        session.add(enrolment)
    elif source == "assignment" and (enrolment.source != source or enrolment.due_at != due_at):
        enrolment.source, enrolment.due_at = source, due_at
    session.flush()
    return enrolment


def note_lesson_opened(
    session: Session, enrolment: Enrolment, lesson_slug: str, now: datetime
) -> bool:
    """Remember the lesson last opened; writes only when it changed. Returns whether it did."""
    if enrolment.last_lesson_slug == lesson_slug:
        return False
    enrolment.last_lesson_slug = lesson_slug
    enrolment.last_seen_at = now
    session.flush()
    return True


def complete_lesson(
    session: Session, user, course, lesson_slug: str, now: datetime
) -> LessonCompletion:
    """Mark a lesson complete for ``user`` (idempotent: the first completion time is kept)."""
    completion = session.scalar(
        select(LessonCompletion).where(
            LessonCompletion.user_id == user.id,
            LessonCompletion.course_id == course.id,
            LessonCompletion.lesson_slug == lesson_slug,
        )
    )
    if completion is None:
        completion = LessonCompletion(
            user_id=user.id, course_id=course.id, lesson_slug=lesson_slug, completed_at=now
        )
        session.add(completion)
        session.flush()
    return completion


def lesson_progress(session: Session, user_id: int, course_id: int) -> set[str]:
    """The slugs of the lessons ``user_id`` has completed in the course (any version)."""
    return set(
        session.scalars(
            select(LessonCompletion.lesson_slug).where(
                LessonCompletion.user_id == user_id, LessonCompletion.course_id == course_id
            )
        )
    )
