"""xAPI (Experience API 1.0.3) statements as plain dicts.

Learning records are stored in our own table in an xAPI shape (actor, verb IRI, object IRI,
result, context, timestamp); this module names the verbs and activity types we use, builds
activity IRIs under the site's base URL, and turns a stored record into a statement an LRS
accepts. docs/learning-records.md lists the verbs and when each is sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

XAPI_VERSION = "1.0.3"
_ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
_ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"

#: The verbs the platform records, by short name.
VERBS = {
    name: _ADL_VERBS + name
    for name in (
        "experienced",
        "completed",
        "attempted",
        "passed",
        "failed",
        "answered",
        "voided",
    )
}

#: xAPI activity types for the things learners act on.
ACTIVITY_TYPES = {
    "course": _ADL_ACTIVITIES + "course",
    "module": _ADL_ACTIVITIES + "module",
    "lesson": _ADL_ACTIVITIES + "lesson",
    "quiz": _ADL_ACTIVITIES + "assessment",
    "case": _ADL_ACTIVITIES + "simulation",
    "scene": _ADL_ACTIVITIES + "cmi.interaction",
    "reflection": _ADL_ACTIVITIES + "cmi.interaction",
}

#: cmi5's category for the statements that satisfy a course's move-on criteria.
CMI5_MOVEON = "https://w3id.org/xapi/cmi5/context/categories/moveon"

_PATHS = {"lesson": "lessons", "quiz": "quizzes", "case": "cases", "module": "modules"}


@dataclass(frozen=True)
class Actor:
    """Who did it: an account on this site (no e-mail address leaves the platform)."""

    home_page: str
    account_name: str
    name: str | None = None


def verb_iri(verb: str) -> str:
    """The IRI of a verb given by short name (``completed``) or already as an IRI."""
    if verb.startswith(("http://", "https://")):
        return verb
    try:
        return VERBS[verb]
    except KeyError:
        raise ValueError(f"unknown verb '{verb}'") from None


def verb_name(iri: str) -> str:
    """The short name shown for a verb IRI (its last path segment)."""
    return iri.rstrip("/").rsplit("/", 1)[-1]


def activity_id(
    base_url: str, course_slug: str, kind: str = "course", slug: str | None = None
) -> str:
    """``{base_url}/courses/{course}`` or ``.../{lessons|quizzes|cases}/{slug}``."""
    root = f"{base_url.rstrip('/')}/courses/{course_slug}"
    if kind == "course":
        return root
    if kind in ("scene", "reflection"):
        case_slug, _, scene = (slug or "").partition("#")
        prefix = "reflection-" if kind == "reflection" else ""
        return f"{root}/cases/{case_slug}#{prefix}{scene}"
    return f"{root}/{_PATHS[kind]}/{slug}"


def score_result(
    scaled: float | None = None,
    raw: float | None = None,
    maximum: float | None = None,
    success: bool | None = None,
    completion: bool | None = None,
    response: str | None = None,
    minimum: float | None = None,
    duration: timedelta | None = None,
) -> dict[str, Any]:
    """An xAPI ``result`` object with only the fields given (scaled clamped to 0..1)."""
    result: dict[str, Any] = {}
    score: dict[str, Any] = {}
    if scaled is not None:
        score["scaled"] = round(min(1.0, max(0.0, float(scaled))), 4)
    if raw is not None:
        low = min(0, raw) if minimum is None else minimum
        score["raw"] = _number(min(max(raw, low), maximum) if maximum is not None else raw)
        if maximum is not None:
            score["min"] = _number(low)
            score["max"] = _number(maximum)
    if score:
        result["score"] = score
    if success is not None:
        result["success"] = success
    if completion is not None:
        result["completion"] = completion
    if response is not None:
        result["response"] = response
    if duration is not None:
        result["duration"] = iso_duration(duration)
    return result


def attempt_registration(attempt_id: int, user_id: int, started_at: datetime) -> str:
    """A stable registration UUID for one quiz attempt (the same for its start and result)."""
    name = f"quiz-attempt:{attempt_id}:{user_id}:{iso_timestamp(started_at)}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def iso_duration(span: timedelta) -> str:
    """An ISO 8601 duration (``PT1M30.5S``), as xAPI's ``result.duration`` wants it."""
    seconds = max(0.0, span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, rest = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{int(hours)}H"
    if minutes:
        text += f"{int(minutes)}M"
    return text + f"{round(rest, 2):g}S"


def language_map(value: object, locales: tuple[str, ...]) -> dict[str, str]:
    """A language map with every locale from a localised value (a string or a map)."""
    if isinstance(value, Mapping):
        default = next((str(v) for v in value.values() if v), "")
        return {locale: str(value.get(locale) or default) for locale in locales}
    return {locale: str(value or "") for locale in locales}


def activity(
    iri: str,
    kind: str,
    name: Mapping[str, str] | None = None,
    description: Mapping[str, str] | None = None,
    interaction: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An Activity with its definition: type, names and descriptions, interaction details."""
    definition: dict[str, Any] = {"type": ACTIVITY_TYPES.get(kind, kind)}
    if name:
        definition["name"] = dict(name)
    if description:
        definition["description"] = dict(description)
    if interaction:
        definition.update(interaction)
    return {"objectType": "Activity", "id": iri, "definition": definition}


def agent(actor: Actor) -> dict[str, Any]:
    """The actor as an xAPI Agent identified by its account on this site."""
    built: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": actor.home_page, "name": actor.account_name},
    }
    if actor.name:
        built["name"] = actor.name
    return built


def build(
    statement_id: str,
    actor: Actor,
    verb: str,
    target: Mapping[str, Any],
    timestamp: datetime,
    result: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete statement about ``target`` (an Activity or a StatementRef)."""
    verb_id = verb_iri(verb)
    built: dict[str, Any] = {
        "id": statement_id,
        "actor": agent(actor),
        "verb": {"id": verb_id, "display": {"en-US": verb_name(verb_id)}},
        "object": dict(target),
        "timestamp": iso_timestamp(timestamp),
        "version": XAPI_VERSION,
    }
    if result:
        built["result"] = dict(result)
    if context:
        built["context"] = dict(context)
    return built


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def statement(
    statement_id: str,
    actor: Actor,
    verb: str,
    object_id: str,
    timestamp: datetime,
    object_type: str | None = None,
    object_name: Mapping[str, str] | None = None,
    result: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A complete xAPI statement for one stored learning record."""
    definition: dict[str, Any] = {}
    if object_type:
        definition["type"] = ACTIVITY_TYPES.get(object_type, object_type)
    if object_name:
        definition["name"] = dict(object_name)
    activity: dict[str, Any] = {"objectType": "Activity", "id": object_id}
    if definition:
        activity["definition"] = definition
    agent: dict[str, Any] = {
        "objectType": "Agent",
        "account": {"homePage": actor.home_page, "name": actor.account_name},
    }
    if actor.name:
        agent["name"] = actor.name
    verb_id = verb_iri(verb)
    built: dict[str, Any] = {
        "id": statement_id,
        "actor": agent,
        "verb": {"id": verb_id, "display": {"en-US": verb_name(verb_id)}},
        "object": activity,
        "timestamp": iso_timestamp(timestamp),
        "version": XAPI_VERSION,
    }
    if result:
        built["result"] = dict(result)
    if context:
        built["context"] = dict(context)
    return built


def iso_timestamp(moment: datetime) -> str:
    """UTC ISO 8601 with a ``Z``; naive datetimes are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parent_context(course_iri: str, registration: str | None = None) -> dict[str, Any]:
    """A ``context`` placing an activity inside its course (and an optional registration id)."""
    context: dict[str, Any] = {
        "contextActivities": {"parent": [{"objectType": "Activity", "id": course_iri}]}
    }
    if registration:
        context["registration"] = registration
    return context
