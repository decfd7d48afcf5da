"""Where an activity sits in its course, and what it is called: xAPI definitions and context.

Pure: a course version's manifest (and, for scenes and reflections, the case definition) in,
Activities with names and descriptions as zh-CN and en language maps out. The structure goes
scene -> case -> module -> course: ``contextActivities.parent`` names the enclosing activity and
``grouping`` the ones above it.
"""

from __future__ import annotations

from typing import Any

from course.progress import xapi

LOCALES = ("zh-CN", "en")
KIND_NAMES = {
    "lesson": {"zh-CN": "课", "en": "Lesson"},
    "quiz": {"zh-CN": "测验", "en": "Quiz"},
    "case": {"zh-CN": "案例", "en": "Case study"},
}


def course_activity(manifest: dict, base: str, course_slug: str) -> dict[str, Any]:
    """The course as an Activity (its title and summary)."""
    return xapi.activity(
        xapi.activity_id(base, course_slug),
        "course",
        _names(manifest.get("title") or course_slug),
        _names(manifest.get("summary")) if manifest.get("summary") else None,
    )


def module_activity(manifest: dict, base: str, course_slug: str, module: dict) -> dict[str, Any]:
    """A module as an Activity (its title, and its summary or objectives)."""
    about = module.get("summary") or _objectives(module.get("objectives"))
    return xapi.activity(
        xapi.activity_id(base, course_slug, "module", module["slug"]),
        "module",
        _names(module.get("title") or module["slug"]),
        _names(about) if about else None,
    )


def item_activity(
    manifest: dict, base: str, course_slug: str, kind: str, slug: str
) -> tuple[dict[str, Any], dict | None]:
    """A lesson, quiz or case as an Activity, and the module that holds it (None: the course)."""
    module, item = locate(manifest, kind, slug)
    title = _names(item.get("title") if item else None) if item else None
    course_title = _names(manifest.get("title") or course_slug)
    kind_name = KIND_NAMES[kind]
    if module is not None:
        module_title = _names(module.get("title") or module["slug"])
        zh_place = f"《{course_title['zh-CN']}》“{module_title['zh-CN']}”"
        description = {
            "zh-CN": f"{zh_place}中的{kind_name['zh-CN']}",
            "en": f"{kind_name['en']} in “{module_title['en']}”, {course_title['en']}",
        }
    else:
        description = {
            "zh-CN": f"《{course_title['zh-CN']}》的{kind_name['zh-CN']}",
            "en": f"{kind_name['en']} of {course_title['en']}",
        }
    names = title if title and any(title.values()) else {locale: slug for locale in LOCALES}
    built = xapi.activity(xapi.activity_id(base, course_slug, kind, slug), kind, names, description)
    return built, module


def scene_activity(base: str, course_slug: str, case: dict, scene_id: str) -> dict[str, Any]:
    """A case scene as a ``choice`` interaction listing its choices."""
    scene = next(s for s in case["scenes"] if s["id"] == scene_id)
    interaction = {
        "interactionType": "choice",
        "choices": [
            {"id": choice_id(scene, index), "description": _names(choice["label"])}
            for index, choice in enumerate(scene["choices"])
        ],
    }
    best = max((c["score"] for c in scene["choices"]), default=None)
    if scene["choices"] and best is not None:
        interaction["correctResponsesPattern"] = [
            choice_id(scene, index)
            for index, choice in enumerate(scene["choices"])
            if choice["score"] == best
        ][:1]
    case_title = _names(case.get("title"))
    return xapi.activity(
        xapi.activity_id(base, course_slug, "scene", f"{case['id']}#{scene_id}"),
        "scene",
        _names(scene.get("title") or scene_id),
        {
            "zh-CN": f"案例“{case_title['zh-CN']}”中的场景",
            "en": f"A scene of the case “{case_title['en']}”",
        },
        interaction,
    )


def reflection_activity(base: str, course_slug: str, case: dict, prompt_id: str) -> dict:
    """A reflection prompt as a ``long-fill-in`` interaction."""
    prompt = next(p for p in case["reflection"] if p["id"] == prompt_id)
    case_title = _names(case.get("title"))
    return xapi.activity(
        xapi.activity_id(base, course_slug, "reflection", f"{case['id']}#{prompt_id}"),
        "reflection",
        _names(prompt["prompt"]),
        {
            "zh-CN": f"案例“{case_title['zh-CN']}”的反思",
            "en": f"Reflection on the case “{case_title['en']}”",
        },
        {"interactionType": "long-fill-in"},
    )


def choice_id(scene: dict, index: int) -> str:
    """The interaction id of a scene's choice: the scene it leads to (with its position when
    two choices lead to the same scene)."""
    targets = [choice["target"] for choice in scene["choices"]]
    target = targets[index]
    return target if targets.count(target) == 1 else f"{target}-{index + 1}"


def context_activities(
    manifest: dict,
    base: str,
    course_slug: str,
    kind: str,
    slug: str | None,
) -> dict[str, list[dict]]:
    """``parent`` and ``grouping`` for an activity of ``kind`` (``course`` has none).

    For a scene or reflection ``slug`` is ``case#scene``; its parent is the case.
    """
    course = course_activity(manifest, base, course_slug)
    if kind == "course":
        return {}
    if kind == "module":
        return {"parent": [course]}
    if kind in ("scene", "reflection"):
        case_slug = (slug or "").split("#", 1)[0]
        case, module = item_activity(manifest, base, course_slug, "case", case_slug)
        above = [module_activity(manifest, base, course_slug, module)] if module else []
        return {"parent": [case], "grouping": [*above, course]}
    _, module = item_activity(manifest, base, course_slug, kind, slug or "")
    if module is None:
        return {"parent": [course]}
    return {
        "parent": [module_activity(manifest, base, course_slug, module)],
        "grouping": [course],
    }


def locate(manifest: dict, kind: str, slug: str) -> tuple[dict | None, dict | None]:
    """(module, item) holding the item of ``kind`` and ``slug``, or (None, None)."""
    for module in manifest.get("modules", []):
        for item in module.get("items", []):
            if item.get("kind") == kind and item.get("slug") == slug:
                return module, item
    return None, None


def _names(value: object) -> dict[str, str]:
    return xapi.language_map(value, LOCALES)


def _objectives(objectives: object) -> dict[str, str] | None:
    """A module's objectives as one line per locale (each objective a string, a map, or a
    mapping with ``text``)."""
    if not isinstance(objectives, list) or not objectives:
        return None
    texts = [
        _names(item.get("text") if isinstance(item, dict) and "text" in item else item)
        for item in objectives
    ]
    return {locale: "; ".join(text[locale] for text in texts) for locale in LOCALES}
