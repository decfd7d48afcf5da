"""Enrolment, lesson progress, learning records and course completion.

Progress is keyed by the course and the lesson's stable slug, never by a version, so a new
version of a course keeps everyone's records; a lesson removed from the course keeps its records
but no longer counts.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.catalog.service import current_version
from course.orgs.models import Assignment, CohortMember
from course.progress import outcomes, statements, xapi
from course.progress.completion import CompletionFacts, CompletionResult, CompletionRule, evaluate
from course.progress.models import (
    CourseCompletion,
    Enrolment,
    LearningRecord,
    LessonCompletion,
    RecordSettings,
)
from course.progress.signals import course_completed

if TYPE_CHECKING:
    from course.accounts.models import User
    from course.catalog.models import Course, CourseVersion


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
    session: Session,
    user: User,
    course: Course,
    now: datetime,
    source: str = "self",
    due_at: datetime | None = None,
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


def complete_lesson(
    session: Session, user: User, course: Course, lesson_slug: str, now: datetime
) -> LessonCompletion:
    """Mark a lesson complete for ``user`` (idempotent: the first completion time is kept).

    The first time, records a ``completed`` statement and re-evaluates course completion.
    """
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
        record(
            session,
            user,
            "completed",
            object_iri(course.slug, "lesson", lesson_slug),
            now,
            result=xapi.score_result(completion=True),
            course=course,
        )
        update_completion(session, user, course, now)
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


# Learning records and course completion ------------------------------------------------------

_OBJECT_PATHS = {"lessons": "lesson", "quizzes": "quiz", "cases": "case"}


def object_iri(course_slug: str, kind: str = "course", slug: str | None = None) -> str:
    """The site-relative IRI of a course or one of its items (``/courses/<c>/lessons/<l>``).

    Stored relative and expanded with the site's base URL on export (``progress.records``).
    """
    return xapi.activity_id("", course_slug, kind, slug)


def _object_type(object_id: str) -> str:
    """Guess the activity type from an IRI built by :func:`object_iri` (or its absolute form)."""
    path = object_id.split("/courses/", 1)[-1].split("/")
    if len(path) >= 3 and path[1] in _OBJECT_PATHS:
        kind = _OBJECT_PATHS[path[1]]
        if kind == "case" and "#reflection-" in path[2]:
            return "reflection"
        return "scene" if kind == "case" and "#" in path[2] else kind
    if len(path) >= 3 and path[1] == "modules":
        return "module"
    return "course"


def record(
    session: Session,
    actor: User,
    verb: str,
    object_id: str,
    now: datetime,
    result: dict | None = None,
    context: dict | None = None,
    course: Course | None = None,
    object_type: str | None = None,
    case: dict | None = None,
) -> LearningRecord:
    """Store one learning event as an xAPI-shaped statement.

    ``verb`` is a short name (``completed``) or an IRI; ``object_id`` an IRI, usually from
    :func:`object_iri`. With ``course``, the statement's context names the course as parent.
    The complete statement (absolute IRIs under the stored IRI base, names, parent and grouping)
    is built now and never changes; ``case`` (the case definition) describes scenes and
    reflections as interactions.
    """
    context = dict(context or {})
    if course is not None:
        course_iri = object_iri(course.slug)
        if object_id != course_iri:
            parents = xapi.parent_context(course_iri)["contextActivities"]
            context.setdefault("contextActivities", parents)
    entry = LearningRecord(
        id=str(uuid.uuid4()),
        user_id=actor.id,
        course_id=course.id if course is not None else None,
        verb=xapi.verb_iri(verb),
        object_id=object_id,
        object_type=object_type or _object_type(object_id),
        result=result or None,
        context=context or None,
        timestamp=now,
        ordinal=_next_ordinal(session),
    )
    built = statements.build_statement(
        session, entry, actor, course, case, record_settings(session)
    )
    if built is not None:  # assigning None would store JSON null, not SQL NULL
        entry.statement = built
    session.add(entry)
    session.flush()
    return entry


def void(
    session: Session,
    actor: User,
    voided: LearningRecord,
    now: datetime,
    course: Course | None = None,
) -> LearningRecord:
    """Record a ``voided`` statement for ``voided`` (a choice the trainee stepped back from)."""
    entry = LearningRecord(
        id=str(uuid.uuid4()),
        user_id=actor.id,
        course_id=course.id if course is not None else None,
        verb=xapi.verb_iri("voided"),
        object_id=f"statement:{voided.id}",
        object_type="statement",
        timestamp=now,
        ordinal=_next_ordinal(session),
    )
    built = statements.build_voiding(entry, actor, record_settings(session))
    if built is not None:
        entry.statement = built
    session.add(entry)
    session.flush()
    return entry


def choice_record(
    session: Session, user_id: int, scene_iri: str, registration: str
) -> LearningRecord | None:
    """The latest ``answered`` statement of a play (by registration) on a scene, not voided."""
    rows = session.scalars(
        select(LearningRecord)
        .where(
            LearningRecord.user_id == user_id,
            LearningRecord.object_id == scene_iri,
            LearningRecord.verb == xapi.verb_iri("answered"),
        )
        .order_by(LearningRecord.timestamp.desc(), LearningRecord.ordinal.desc())
    )
    voided = set(
        session.scalars(
            select(LearningRecord.object_id).where(
                LearningRecord.user_id == user_id,
                LearningRecord.verb == xapi.verb_iri("voided"),
            )
        )
    )
    for row in rows:
        if (row.context or {}).get("registration") == registration:
            return None if f"statement:{row.id}" in voided else row
    return None


def record_settings(session: Session) -> RecordSettings | None:
    """The stored IRI base and actor-name choice (None before they are stored)."""
    return session.get(RecordSettings, 1)


def store_record_settings(
    session: Session, iri_base: str, actor_name: bool = True, replace: bool = False
) -> RecordSettings:
    """Store the IRI base and actor-name choice once (at install); ``replace`` changes them
    for statements recorded from now on (recorded ones keep theirs)."""
    settings = session.get(RecordSettings, 1)
    if settings is None:
        settings = RecordSettings(id=1, iri_base=iri_base.rstrip("/"), actor_name=actor_name)
        session.add(settings)
    elif replace:
        settings.iri_base, settings.actor_name = iri_base.rstrip("/"), actor_name
    session.flush()
    return settings


def _next_ordinal(session: Session) -> int:
    """A counter over the statements of this session, so equal timestamps keep their order."""
    ordinal = session.info.get("learning_record_ordinal", 0) + 1
    session.info["learning_record_ordinal"] = ordinal
    return ordinal


def completion_facts(
    session: Session, user_id: int, course: Course, version: CourseVersion
) -> CompletionFacts:
    """Gather what ``user_id`` has done in ``course`` next to what ``version`` contains: the
    lessons read here, quiz and case outcomes from the registered providers (``outcomes``)."""
    manifest = version.manifest
    items = [item for module in manifest["modules"] for item in module["items"]]
    final_exam = manifest.get("final_exam") or None
    found = outcomes.collect(session, user_id, course.id)
    return CompletionFacts(
        lessons=[i["slug"] for i in items if i["kind"] == "lesson"],
        lessons_read=lesson_progress(session, user_id, course.id),
        module_quizzes=[
            i["slug"] for i in items if i["kind"] == "quiz" and i["slug"] != final_exam
        ],
        final_exam=final_exam,
        quizzes=found["quizzes"],
        cases=[i["slug"] for i in items if i["kind"] == "case"],
        case_outcomes=found["cases"],
    )


def course_progress(
    session: Session, user_id: int, course: Course, version: CourseVersion
) -> CompletionResult:
    """Evaluate the completion rule of ``version`` for ``user_id`` (nothing is written)."""
    rule = CompletionRule.from_mapping(version.manifest.get("completion"))
    return evaluate(rule, completion_facts(session, user_id, course, version))


def get_completion(session: Session, user_id: int, course_id: int) -> CourseCompletion | None:
    """The user's completion of the course, if recorded."""
    return session.scalar(
        select(CourseCompletion).where(
            CourseCompletion.user_id == user_id, CourseCompletion.course_id == course_id
        )
    )


def update_completion(
    session: Session, user: User, course: Course, now: datetime
) -> CourseCompletion | None:
    """Record the course as completed the first time its rule is met; return the completion.

    On first completion: stores ``CourseCompletion`` (date, version, final score), records the
    ``completed`` statement for the course and sends ``signals.course_completed``. Afterwards the
    stored completion is returned unchanged. Returns None while the rule is not met.
    """
    existing = get_completion(session, user.id, course.id)
    if existing is not None:
        return existing
    version = current_version(session, course)
    result = course_progress(session, user.id, course, version)
    if not result.complete:
        return None
    completion = CourseCompletion(
        user_id=user.id,
        course_id=course.id,
        version_id=version.id,
        completed_at=now,
        final_score=result.final_score,
    )
    session.add(completion)
    session.flush()
    record(
        session,
        user,
        "passed",
        object_iri(course.slug),
        now,
        result=xapi.score_result(scaled=result.final_score, success=True),
        course=course,
    )
    record(
        session,
        user,
        "completed",
        object_iri(course.slug),
        now,
        result=xapi.score_result(scaled=result.final_score, completion=True),
        course=course,
    )
    course_completed.send(course, completion=completion, session=session, now=now)
    return completion


def quiz_exhausted(
    session: Session, user: User, course: Course, quiz_id: str, now: datetime
) -> bool:
    """A quiz the course requires passing has no attempt left and was never passed: record the
    course as ``failed`` (once), as cmi5 expects. Returns whether it was recorded now."""
    if get_completion(session, user.id, course.id) is not None:
        return False
    manifest = statements.current_manifest(session, course)
    rule = CompletionRule.from_mapping(manifest.get("completion"))
    final_exam = manifest.get("final_exam") or None
    required = (quiz_id == final_exam and rule.final_exam == "passed") or (
        quiz_id != final_exam and rule.module_quizzes == "passed"
    )
    course_iri = object_iri(course.slug)
    already = session.scalar(
        select(LearningRecord.id).where(
            LearningRecord.user_id == user.id,
            LearningRecord.object_id == course_iri,
            LearningRecord.verb == xapi.verb_iri("failed"),
        )
    )
    if not required or already:
        return False
    record(
        session,
        user,
        "failed",
        course_iri,
        now,
        result=xapi.score_result(success=False),
        course=course,
    )
    return True
