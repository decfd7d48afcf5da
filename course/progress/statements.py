"""The complete xAPI statement of a learning record, built once when the event is recorded.

IRIs are made absolute under the stored IRI base (``RecordSettings``), never under whatever
host serves the export, and the object and its context carry names, descriptions, interaction
details, parent and grouping (``progress.activities``). A statement never changes after it is
recorded, so sending it again to an LRS is harmless.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.catalog.models import CourseVersion
from course.progress import activities, xapi
from course.progress.models import LearningRecord, RecordSettings

if TYPE_CHECKING:
    from course.accounts.models import User
    from course.catalog.models import Course


#: Verbs about the course that cmi5 counts towards moving on.
MOVE_ON_VERBS = {xapi.VERBS["completed"], xapi.VERBS["passed"], xapi.VERBS["failed"]}


def actor_of(user: User, settings: RecordSettings) -> xapi.Actor:
    """The user as an xAPI actor: an account under the IRI base, named only when allowed."""
    return xapi.Actor(
        settings.iri_base, str(user.id), user.display_name if settings.actor_name else None
    )


def build_statement(
    session: Session,
    entry: LearningRecord,
    user: User,
    course: Course,
    case: dict | None,
    settings: RecordSettings | None,
) -> dict[str, Any] | None:
    """The statement for a new record (None when no IRI base is stored yet)."""
    if settings is None:
        return None
    base = settings.iri_base
    kind = entry.object_type
    manifest = current_manifest(session, course) if course is not None else {}
    target, context_activities = _activity(base, entry, course, kind, manifest, case)
    context = {
        key: value
        for key, value in (entry.context or {}).items()
        if key not in ("contextActivities",)
    }
    if context_activities:
        context["contextActivities"] = context_activities
    if kind == "course" and entry.verb in MOVE_ON_VERBS:
        category = {"objectType": "Activity", "id": xapi.CMI5_MOVEON}
        context.setdefault("contextActivities", {})["category"] = [category]
    if entry.context and entry.context.get("registration"):
        context["registration"] = entry.context["registration"]
    return xapi.build(
        entry.id,
        actor_of(user, settings),
        entry.verb,
        target,
        entry.timestamp,
        result=entry.result,
        context=context or None,
    )


def build_voiding(
    entry: LearningRecord, user: User, settings: RecordSettings | None
) -> dict[str, Any] | None:
    """A ``voided`` statement whose object is the statement stepped back from."""
    if settings is None:
        return None
    voided_id = entry.object_id.split(":", 1)[1]
    return xapi.build(
        entry.id,
        actor_of(user, settings),
        "voided",
        {"objectType": "StatementRef", "id": voided_id},
        entry.timestamp,
    )


def _activity(base: str, entry: Any, course: Course, kind: str, manifest: dict, case: Any):
    absolute = base + entry.object_id if entry.object_id.startswith("/") else entry.object_id
    if course is None:
        return xapi.activity(absolute, kind), {}
    slug = _slug(entry.object_id)
    if kind == "course":
        target = activities.course_activity(manifest, base, course.slug)
    elif kind == "module":
        module, _ = _module(manifest, slug)
        target = (
            activities.module_activity(manifest, base, course.slug, module)
            if module
            else xapi.activity(absolute, kind)
        )
    elif kind in ("lesson", "quiz", "case"):
        target, _ = activities.item_activity(manifest, base, course.slug, kind, slug)
    elif kind in ("scene", "reflection") and case is not None:
        case_slug, _, fragment = slug.partition("#")
        if kind == "scene":
            target = activities.scene_activity(base, course.slug, case, fragment)
        else:
            prompt = fragment.removeprefix("reflection-")
            target = activities.reflection_activity(base, course.slug, case, prompt)
    else:
        target = xapi.activity(absolute, kind)
    if kind in ("scene", "reflection"):
        slug = slug.replace("#reflection-", "#")
    return target, activities.context_activities(manifest, base, course.slug, kind, slug)


def _slug(object_id: str) -> str:
    """``/courses/c/lessons/x`` -> ``x``; ``/courses/c/cases/x#s`` -> ``x#s``."""
    parts = object_id.split("/courses/", 1)[-1].split("/", 2)
    return parts[2] if len(parts) == 3 else ""


def _module(manifest: dict, slug: str):
    for module in manifest.get("modules", []):
        if module["slug"] == slug:
            return module, None
    return None, None


def current_manifest(session: Session, course: Course) -> dict:
    """The current version's manifest, read once per session and version."""
    key = ("course_manifest", course.id, course.current_number)
    if key not in session.info:
        session.info[key] = (
            session.scalar(
                select(CourseVersion.manifest).where(
                    CourseVersion.course_id == course.id,
                    CourseVersion.number == course.current_number,
                )
            )
            or {}
        )
    return session.info[key]
