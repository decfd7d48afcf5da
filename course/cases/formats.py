"""Parsing a case study (one Markdown file per locale) into a JSON-serialisable definition.

``parse_case(sources, default_locale)`` is what the catalog's package checker calls for every
case. The default locale's file carries the structure and the scoring; every other locale must
repeat the same scenes, choices, reflection prompts and rubric criteria in the same order. The
format is documented in docs/authoring.md, "Case studies".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from course.cases import scenario as engine
from course.cases.markup import CaseFile, SceneText, read_case_file
from course.catalog.markdown import render_markdown
from course.problems import Problem

if TYPE_CHECKING:
    from collections.abc import Callable


_KEYS = {"title", "summary", "start", "allow_back", "reflection", "rubric"}
_LOCALE_SUFFIX = re.compile(r"\.([A-Za-z]{2}(?:-[A-Za-z]{2,4})?)\.md$")


def parse_case(
    sources: Mapping[str, tuple[str, str]],
    default_locale: str,
    locales: Iterable[str] | None = None,
) -> tuple[dict | None, list[Problem]]:
    """Parse and check a case given ``{locale: (filename, text)}``.

    Returns the definition (``None`` when any problem exists) and every problem found: format
    slips, structural faults (unreachable scenes, dead ends, unknown targets, cycles with no way
    out) and missing or mismatched translations. When ``locales`` is given, a locale without a
    file is reported too.
    """
    problems: list[Problem] = []
    if default_locale not in sources:
        some = next(iter(sources.values()), ("case", ""))[0]
        return None, [
            Problem(_sibling(some, default_locale), 0, "the default locale's file is missing")
        ]
    files: dict[str, CaseFile] = {}
    for locale, (filename, text) in sources.items():
        files[locale], found = read_case_file(filename, text)
        problems.extend(found)
    base = files[default_locale]
    problems.extend(_check_meta(base))
    for locale in locales or ():
        if locale not in sources:
            problems.append(Problem(_sibling(base.filename, locale), 0, f"no {locale} translation"))
    for locale, translated in files.items():
        if locale != default_locale:
            problems.extend(_compare(base, translated))
    graph = _scenario(base)
    problems.extend(_check_scenes(base, graph))
    if problems:
        return None, sorted(set(problems))
    return _definition(files, default_locale, graph), []


def case_id_from_filename(filename: str) -> str:
    """``cases/government-service-centre.zh-CN.md`` -> ``government-service-centre``."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return _LOCALE_SUFFIX.sub("", name)


def _sibling(filename: str, locale: str) -> str:
    """The file name the given locale's translation would have."""
    if _LOCALE_SUFFIX.search(filename):
        return _LOCALE_SUFFIX.sub(f".{locale}.md", filename)
    return f"{filename} ({locale})"


def _scenario(base: CaseFile) -> engine.Scenario:
    scenes = {}
    for scene in base.scenes:
        if scene.id and scene.id not in scenes:
            choices = tuple(
                engine.Choice(c.target, c.score or 0, c.competencies or (), c.line)
                for c in scene.choices
            )
            scenes[scene.id] = engine.Scene(
                scene.id, choices, scene.ending, scene.no_back, scene.line
            )
    start = base.meta.get("start")
    if start is None and base.scenes:
        start = base.scenes[0].id
    return engine.Scenario(str(start), scenes, bool(base.meta.get("allow_back", True)))


def _check_meta(base: CaseFile) -> list[Problem]:
    """Front matter of the default locale: required keys, types, prompts and rubric."""
    name, meta, lines = base.filename, base.meta, base.meta_lines
    problems = [
        Problem(name, lines[key], f"unknown front matter key '{key}'")
        for key in meta
        if key not in _KEYS
    ]
    if not _text(meta.get("title")):
        problems.append(Problem(name, lines.get("title", 1), "a case needs a title"))
    if "summary" in meta and not isinstance(meta["summary"], str):
        problems.append(Problem(name, lines["summary"], "summary must be text"))
    if "allow_back" in meta and not isinstance(meta["allow_back"], bool):
        problems.append(Problem(name, lines["allow_back"], "allow_back must be true or false"))
    if "start" in meta and not isinstance(meta["start"], str):
        problems.append(Problem(name, lines["start"], "start must be a scene id"))
    problems.extend(_check_items(base, "reflection", "prompt"))
    problems.extend(_check_items(base, "rubric", "label"))
    for index, item in enumerate(_items(base.meta, "rubric")):
        points = item.get("points")
        if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
            line = _item_line(base, "rubric", index)
            problems.append(Problem(name, line, "rubric points must be a positive whole number"))
    if not base.scenes:
        problems.append(Problem(name, base.body_line, "a case needs at least one scene"))
    return problems


def _check_items(case_file: CaseFile, key: str, text_key: str) -> list[Problem]:
    """A list of ``{id, <text_key>}`` mappings with unique ids and non-empty text."""
    name = case_file.filename
    value = case_file.meta.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        return [Problem(name, case_file.meta_lines[key], f"{key} must be a list")]
    problems, seen = [], set()
    for index, item in enumerate(value):
        line = _item_line(case_file, key, index)
        if not isinstance(item, dict) or not item.get("id"):
            problems.append(Problem(name, line, f"each {key} entry needs an id and a {text_key}"))
            continue
        if item["id"] in seen:
            problems.append(Problem(name, line, f"{key} id '{item['id']}' is used twice"))
        seen.add(item["id"])
        if not _text(item.get(text_key)):
            problems.append(Problem(name, line, f"{key} '{item['id']}' has no {text_key}"))
    return problems


def _check_scenes(base: CaseFile, graph: engine.Scenario) -> list[Problem]:
    """Ids, endings and debriefs, competencies, then the graph's structure."""
    name, problems, seen = base.filename, [], set()
    for scene in base.scenes:
        if scene.id in seen:
            problems.append(Problem(name, scene.line, f"scene id '{scene.id}' is used twice"))
        seen.add(scene.id)
        if scene.ending and not _lines_text(scene.debrief):
            problems.append(Problem(name, scene.line, "an ending needs a '::: debrief' container"))
        if not scene.ending and scene.debrief is not None:
            problems.append(Problem(name, scene.line, "only an ending has a debrief"))
        if not scene.ending and scene.rank is not None:
            problems.append(Problem(name, scene.line, "only an ending has a rank"))
        for choice in scene.choices:
            for tag in choice.competencies or ():
                if tag not in engine.COMPETENCIES:
                    known = ", ".join(engine.COMPETENCIES)
                    problems.append(
                        Problem(name, choice.line, f"unknown competency '{tag}' (use: {known})")
                    )
    if base.scenes:
        start_line = base.meta_lines.get("start", 0)
        for found in engine.structure_problems(graph, name):
            line = start_line if found.line == 0 else found.line
            problems.append(Problem(found.file, line, found.message))
    return problems


def _compare(base: CaseFile, other: CaseFile) -> list[Problem]:
    """Report every place where a translation's structure differs from the default locale's."""
    name, problems = other.filename, []
    if not _text(other.meta.get("title")):
        problems.append(Problem(name, other.meta_lines.get("title", 1), "missing translated title"))
    if _text(base.meta.get("summary")) and not _text(other.meta.get("summary")):
        problems.append(
            Problem(name, other.meta_lines.get("summary", 1), "missing translated summary")
        )
    for key in ("start", "allow_back"):
        if key in other.meta and other.meta[key] != base.meta.get(key):
            problems.append(
                Problem(name, other.meta_lines[key], f"{key} differs from the default locale")
            )
    for key, text_key in (("reflection", "prompt"), ("rubric", "label")):
        problems.extend(_check_items(other, key, text_key))
        ids = [item.get("id") for item in _items(base.meta, key)]
        other_ids = [item.get("id") for item in _items(other.meta, key)]
        if ids != other_ids:
            line = other.meta_lines.get(key, 1)
            problems.append(Problem(name, line, f"{key} ids {other_ids} differ from {ids}"))
    for index, item in enumerate(_items(other.meta, "rubric")):
        base_items = _items(base.meta, "rubric")
        if (
            "points" in item
            and index < len(base_items)
            and item["points"] != base_items[index].get("points")
        ):
            line = _item_line(other, "rubric", index)
            problems.append(Problem(name, line, "rubric points differ from the default locale"))
    for index, scene in enumerate(base.scenes):
        if index >= len(other.scenes):
            problems.append(
                Problem(name, other.body_line, f"missing translated scene '{scene.id}'")
            )
            continue
        problems.extend(_compare_scene(name, scene, other.scenes[index]))
    for scene in other.scenes[len(base.scenes) :]:
        problems.append(
            Problem(name, scene.line, f"scene '{scene.id}' is not in the default locale")
        )
    return problems


def _compare_scene(name: str, scene: SceneText, other: SceneText) -> list[Problem]:
    if other.id != scene.id:
        return [Problem(name, other.line, f"expected scene '{scene.id}' here, found '{other.id}'")]
    problems = []
    ranks_differ = other.rank is not None and other.rank != scene.rank
    if (other.ending, other.no_back) != (scene.ending, scene.no_back) or ranks_differ:
        problems.append(Problem(name, other.line, f"scene '{scene.id}' attributes differ"))
    if scene.ending and not _lines_text(other.debrief):
        problems.append(Problem(name, other.line, f"missing translated debrief of '{scene.id}'"))
    if not _lines_text(other.narrative) and _lines_text(scene.narrative):
        problems.append(Problem(name, other.line, f"missing translated narrative of '{scene.id}'"))
    targets = [choice.target for choice in scene.choices]
    other_targets = [choice.target for choice in other.choices]
    if targets != other_targets:
        differing = [
            choice.line
            for choice, target in zip(other.choices, targets, strict=False)
            if choice.target != target
        ]
        line = differing[0] if differing else other.line
        message = f"choices of '{scene.id}' lead to {other_targets}, expected {targets}"
        problems.append(Problem(name, line, message))
        return problems
    for choice, translated in zip(scene.choices, other.choices, strict=True):
        differs = (translated.score is not None and translated.score != (choice.score or 0)) or (
            translated.competencies is not None
            and translated.competencies != (choice.competencies or ())
        )
        if differs:
            problems.append(Problem(name, translated.line, "choice score or competencies differ"))
    return problems


def _definition(files: dict[str, CaseFile], default: str, graph: engine.Scenario) -> dict:
    """Assemble the JSON-serialisable definition the catalog stores with the course version."""
    base = files[default]
    meta = base.meta
    locales = [default, *(locale for locale in files if locale != default)]

    def each(pick: Callable[[dict], str]) -> dict[str, str]:
        return {locale: pick(files[locale]) for locale in locales}

    scenes = []
    for index, scene in enumerate(base.scenes):
        localised = {locale: files[locale].scenes[index] for locale in locales}
        scenes.append(
            {
                "id": scene.id,
                "line": scene.line,
                "ending": scene.ending,
                "no_back": scene.no_back,
                "rank": scene.rank,
                "title": {loc: s.title for loc, s in localised.items()},
                "narrative": {loc: render("\n".join(s.narrative)) for loc, s in localised.items()},
                "debrief": (
                    {loc: render("\n".join(s.debrief or [])) for loc, s in localised.items()}
                    if scene.ending
                    else None
                ),
                "choices": [
                    {
                        "target": choice.target,
                        "score": choice.score or 0,
                        "competencies": list(choice.competencies or ()),
                        "line": choice.line,
                        "label": {loc: s.choices[i].label for loc, s in localised.items()},
                    }
                    for i, choice in enumerate(scene.choices)
                ],
            }
        )
    return {
        "id": case_id_from_filename(base.filename),
        "locales": locales,
        "title": each(lambda f: str(f.meta.get("title", "")).strip()),
        "summary": each(lambda f: str(f.meta.get("summary") or "").strip()),
        "start": graph.start,
        "allow_back": graph.allow_back,
        "reflection": [
            {
                "id": item["id"],
                "prompt": each(lambda f, i=i: _items(f.meta, "reflection")[i]["prompt"]),
            }
            for i, item in enumerate(_items(meta, "reflection"))
        ],
        "rubric": [
            {
                "id": item["id"],
                "points": item["points"],
                "label": each(lambda f, i=i: _items(f.meta, "rubric")[i]["label"]),
            }
            for i, item in enumerate(_items(meta, "rubric"))
        ],
        "scenes": scenes,
        "max_score": engine.max_score(graph),
        "competencies": list(engine.ordered_competencies(engine.at_stake(graph))),
    }


def render(markdown: str) -> str:
    """Narrative Markdown to sanitised HTML with the catalog's renderer."""
    return render_markdown(markdown)


def _items(meta: dict, key: str) -> list[dict]:
    value = meta.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _item_line(case_file: CaseFile, key: str, index: int) -> int:
    lines = case_file.item_lines.get(key, [])
    return lines[index] if index < len(lines) else case_file.meta_lines.get(key, 1)


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _lines_text(lines: list[str] | None) -> bool:
    return bool(lines) and any(line.strip() for line in lines)
