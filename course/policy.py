"""Who may do what: the one place access is decided.

Every view asks ``require(user, action, target)``; nothing else in the code base compares roles.
Actions are strings named ``area.verb``; a rule takes the user (authenticated) and the target and
answers yes or no. Areas add their rules to ``RULES`` below.

Roles come from memberships (one per organisation); ``is_platform_admin`` is the only global
role. A user's memberships are read once per request and cached on ``flask.g``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import g, has_request_context
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from course.extensions import db
from course.orgs.models import Cohort, Membership, Organisation
from course.orgs.service import is_invited

if TYPE_CHECKING:
    from flask_login import AnonymousUserMixin

    from course.accounts.models import User
    from course.cases.models import Reflection
    from course.catalog.models import Course
    from course.quizzes.models import EssayGrading


def roles_of(user: User | AnonymousUserMixin | None) -> dict[int, str]:
    """``{organisation_id: role}`` for the user, memoised per request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    cache = g.setdefault("_roles", {}) if has_request_context() else {}
    if user.id not in cache:
        rows = db.session.execute(
            select(Membership.organisation_id, Membership.role).where(
                Membership.user_id == user.id, Membership.deactivated_at.is_(None)
            )
        )
        cache[user.id] = {org_id: role for org_id, role in rows}
    return cache[user.id]


def _org_id(target: Any) -> int | None:
    if target is None:
        return None
    if isinstance(target, int):
        return target
    if isinstance(target, Organisation):
        return target.id
    return getattr(target, "organisation_id", None)


def has_role(user: User, target: Any, *roles: str) -> bool:
    """True when the user holds one of ``roles`` in the target's organisation."""
    org_id = _org_id(target)
    return org_id is not None and roles_of(user).get(org_id) in roles


def administers(user: User, target: Any) -> bool:
    return user.is_platform_admin or has_role(user, target, "org_admin")


def teaches_somewhere(user: User) -> bool:
    return user.is_platform_admin or any(
        role in ("instructor", "org_admin") for role in roles_of(user).values()
    )


def administers_somewhere(user: User) -> bool:
    return user.is_platform_admin or "org_admin" in roles_of(user).values()


def taught_organisation_ids(user: User) -> set[int] | None:
    """Organisations where the user instructs or administers; None means every one (platform
    admin)."""
    if user.is_platform_admin:
        return None
    return {org for org, role in roles_of(user).items() if role in ("instructor", "org_admin")}


def taught_user_ids(user: User) -> set[int] | None:
    """The people whose case plays and reflections the user may read: members of the
    organisations where the user instructs or administers; None means everyone."""
    org_ids = taught_organisation_ids(user)
    if org_ids is None:
        return None
    if not org_ids:
        return set()
    cache = g.setdefault("_taught", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = set(
            db.session.scalars(
                select(Membership.user_id).where(Membership.organisation_id.in_(org_ids))
            )
        )
    return cache[user.id]


def identifiable_learner_ids(user: User) -> set[int] | None:
    """The learners whose identity (name, e-mail, attempts, answers) the user may see in a
    course's reports: members of the organisations the user instructs or administers, and
    everyone for a platform admin (None). Being an instructor of an open course is not enough:
    its other learners count only in aggregates. See docs/privacy.md."""
    return taught_user_ids(user)


def sees_learner(user: User, learner: User | int) -> bool:
    """Target: a User or a user id."""
    allowed = identifiable_learner_ids(user)
    return allowed is None or getattr(learner, "id", learner) in allowed


def _may_play_case(user: User, course: Course) -> bool:
    """Enrolled trainees play a course's cases; instructors may try them out."""
    from course.progress.models import Enrolment

    enrolled = db.session.scalar(
        select(Enrolment.id).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )
    return enrolled is not None or teaches_somewhere(user)


def _reviews_reflection(user: User, reflection: Reflection) -> bool:
    trainees = taught_user_ids(user)
    return trainees is None or reflection.play.user_id in trainees


def _reports_on_cases(user: User, target: Any) -> bool:
    """Target: a Cohort (a role in its organisation), a Course (its instructors too), or None."""
    if isinstance(target, Cohort):
        return user.is_platform_admin or has_role(user, target, "instructor", "org_admin")
    return teaches_somewhere(user) or (target is not None and instructs(user, target))


def can_view_course(user: User | AnonymousUserMixin, course: Course) -> bool:
    """Published courses are public (catalogue, course page, assets); unpublished ones are seen
    only by people who teach. Anonymous visitors are allowed here, unlike ``can``."""
    if course.is_published:
        return True
    return getattr(user, "is_authenticated", False) and teaches_somewhere(user)


def _reads_lessons(user: User, target: Any) -> bool:
    """Target: the reader's Enrolment in the course, or the Course when not enrolled (then only
    people who teach may read, to preview)."""
    from course.progress.models import Enrolment

    return (isinstance(target, Enrolment) and target.user_id == user.id) or teaches_somewhere(user)


def instructed_course_ids(user: User) -> set[int]:
    """Ids of the courses the user is an instructor of, memoised per request."""
    from course.authoring.models import CourseInstructor

    cache = g.setdefault("_instructed", {}) if has_request_context() else {}
    if user.id not in cache:
        cache[user.id] = set(
            db.session.scalars(
                select(CourseInstructor.course_id).where(CourseInstructor.user_id == user.id)
            )
        )
    return cache[user.id]


def instructs(user: User, course: Course) -> bool:
    """Platform admins and the course's own instructors author a course and read its reports."""
    return user.is_platform_admin or getattr(course, "id", course) in instructed_course_ids(user)


def _may_take_quiz(user: User, course: Course) -> bool:
    """Enrolled trainees take a course's quizzes; people who teach may try them out."""
    return _may_play_case(user, course)


def _grades_essay(user: User, essay: EssayGrading) -> bool:
    trainees = taught_user_ids(user)
    return trainees is None or essay.attempt.user_id in trainees


Rule = Callable[[Any, Any], bool]

RULES: dict[str, Rule] = {
    # platform
    "platform.admin": lambda user, _: user.is_platform_admin,
    "org.create": lambda user, _: user.is_platform_admin,
    # one organisation
    "org.view": lambda user, org: user.is_platform_admin or _org_id(org) in roles_of(user),
    "org.join": lambda user, org: bool(org.self_registration),
    # an invitation is bound to the address it was sent to (target: the Invitation)
    "orgs.invitation.accept": is_invited,
    "org.manage": administers,
    "org.members.manage": administers,
    "org.cohorts.manage": administers,
    "org.reports.view": administers,
    # dashboards
    "dashboard.teach": lambda user, _: teaches_somewhere(user),
    "dashboard.administer": lambda user, _: administers_somewhere(user),
    # authoring and reports (target: the Course)
    "course.create": lambda user, _: teaches_somewhere(user),
    "course.author": instructs,
    "course.reports.view": instructs,
    "reports.learner.view": sees_learner,
    "authoring.invitation.accept": is_invited,
    # case studies (target: a Course, a CasePlay, a Reflection, or a Cohort / None for reports)
    "cases.start": _may_play_case,
    "cases.play": lambda user, play: play.user_id == user.id,
    "cases.review": _reviews_reflection,
    "cases.report": _reports_on_cases,
    # quizzes (target: a Course, a QuizAttempt or an EssayGrading)
    "quizzes.take": _may_take_quiz,
    "quizzes.attempt": lambda user, attempt: attempt.user_id == user.id,
    "quizzes.grade": _grades_essay,
    "quizzes.queue": lambda user, _: teaches_somewhere(user),
    "quizzes.convert": lambda user, _: teaches_somewhere(user),
    # catalog (target: a Course; for lessons the reader's Enrolment, see _reads_lessons)
    "catalog.enrol": lambda user, course: course.is_published,
    "catalog.lesson.read": _reads_lessons,
    "catalog.lesson.complete": lambda user, enrolment: (
        enrolment is not None and enrolment.user_id == user.id
    ),
    # certificates (target: a Certificate, or the Organisation that issues)
    "certificates.view": lambda user, cert: cert.user_id == user.id or administers(user, cert),
    "certificates.share": lambda user, cert: cert.user_id == user.id,
    "certificates.manage": administers,
    # the audit trail (target: the Organisation)
    "audit.read_all": lambda user, _: user.is_platform_admin,
    "audit.read": administers,
}


def can(user: User | AnonymousUserMixin, action: str, target: Any = None) -> bool:
    """Whether ``user`` may perform ``action`` on ``target``; anonymous users may not."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    try:
        rule = RULES[action]
    except KeyError:
        raise KeyError(f"no access rule for {action!r}") from None
    return bool(rule(user, target))


def require(user: User | AnonymousUserMixin, action: str, target: Any = None) -> None:
    """Raise 403 unless ``can(user, action, target)``."""
    if not can(user, action, target):
        raise Forbidden()
