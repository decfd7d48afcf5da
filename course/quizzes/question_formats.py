"""Check one question written in YAML and turn it into the normalised dict the platform stores."""

from __future__ import annotations

import re

from course.quizzes.checker import MISSING, Checker
from course.quizzes.render import render_text
from course.yamlsource import Path

TYPES = ("single", "multiple", "true_false", "short", "matching", "ordering", "numeric", "essay")
LEVELS = ("remember", "understand", "apply", "analyse")
FORMATS = ("markdown", "html", "plain", "moodle")
#: ``standard``: our rules (grading.py); ``moodle``: Moodle's rules for the type, so a question
#: imported from Moodle grades exactly as it did there (docs/authoring.md, "Scoring").
SCORINGS = ("standard", "moodle")
COMMON = {"id", "type", "tags", "objectives", "level", "points", "text", "feedback", "format"}
FIELDS = {
    "single": {"options", "scoring"},
    "multiple": {"options", "scoring"},
    "true_false": {"answer", "feedback_true", "feedback_false"},
    "short": {"accept", "pattern", "scoring", "normalise"},
    "matching": {"pairs", "distractors"},
    "ordering": {"items"},
    "numeric": {"answer", "tolerance", "range", "answers", "unit", "scoring"},
    "essay": {"rubric", "min_words"},
}


def check_question(check: Checker, raw: object, path: Path) -> dict | None:
    """Validate one question; return its normalised dict, or None when it has problems."""
    before = len(check.problems)
    item = check.mapping(raw, path, "a question")
    if item is None:
        return None
    kind = check.choice(item, "type", path, TYPES, None)
    if "type" not in item:
        check.problem(path, "missing 'type'")
    fmt = check.choice(item, "format", path, FORMATS, "markdown")
    question = {
        "id": check.slug(item, "id", path),
        "type": kind,
        "tags": check.string_list(item, "tags", path),
        "objectives": check.string_list(item, "objectives", path),
        "level": check.choice(item, "level", path, (None, *LEVELS), None),
        "points": check.number(item, "points", path, default=1, low=0.0001),
        "format": fmt,
        "text": check.localised(item, "text", path),
        "feedback": check.localised(item, "feedback", path, required=False),
    }
    if kind is None:
        return None
    check.unknown_keys(item, COMMON | FIELDS[kind], path)
    if "scoring" in FIELDS[kind]:
        question["scoring"] = check.choice(item, "scoring", path, SCORINGS, "standard")
    question.update(KEY_CHECKS[kind](check, item, path))
    if len(check.problems) > before:
        return None
    question["text_html"] = {loc: render_text(text, fmt) for loc, text in question["text"].items()}
    question["feedback_html"] = (
        {loc: render_text(text, fmt) for loc, text in question["feedback"].items()}
        if question["feedback"]
        else None
    )
    return question


def _options(check: Checker, item: dict, path: Path, kind: str) -> dict:
    raw = item.get("options")
    if not isinstance(raw, list) or len(raw) < 2:
        check.problem(path + ("options",), "'options' must list at least two options")
        return {"options": []}
    if item.get("scoring") == "moodle":
        return _fraction_options(check, raw, path, kind)
    options, seen = [], set()
    for index, value in enumerate(raw):
        where = path + ("options", index)
        option = check.mapping(value, where, "an option")
        if option is None:
            continue
        check.unknown_keys(option, {"id", "text", "correct", "credit", "feedback"}, where)
        option_id = check.slug(option, "id", where)
        if option_id in seen:
            check.problem(where + ("id",), f"option id {option_id!r} is used twice")
        seen.add(option_id)
        correct = check.boolean(option, "correct", where, False)
        credit = check.number(
            option, "credit", where, default=1.0 if correct else 0.0, low=0, high=1
        )
        if "credit" in option and (kind == "multiple" or correct):
            check.problem(
                where + ("credit",),
                "'credit' is only for wrong options of a single-choice question",
            )
        options.append(
            {
                "id": option_id,
                "text": check.localised(option, "text", where),
                "correct": correct,
                "credit": credit,
                "feedback": check.localised(option, "feedback", where, required=False),
            }
        )
    right = sum(1 for option in options if option["correct"])
    if kind == "single" and right != 1:
        check.problem(
            path + ("options",),
            f"a single-choice question needs exactly one correct option, not {right}",
        )
    if kind == "multiple" and right < 1:
        check.problem(
            path + ("options",), "a multiple-response question needs at least one correct option"
        )
    return {"options": options}


def _fraction_options(check: Checker, raw: list, path: Path, kind: str) -> dict:
    """Options under Moodle's scoring: each carries its ``fraction`` (-1..1) of the mark.

    As in Moodle, a single-choice question needs an option worth 100%, and the positive
    fractions of a multiple-response question add up to 100%. ``correct`` (shown in reviews and
    reports) is derived: the 100% options of a single choice, the positive ones otherwise.
    """
    options, seen = [], set()
    for index, value in enumerate(raw):
        where = path + ("options", index)
        option = check.mapping(value, where, "an option")
        if option is None:
            continue
        check.unknown_keys(option, {"id", "text", "fraction", "feedback"}, where)
        option_id = check.slug(option, "id", where)
        if option_id in seen:
            check.problem(where + ("id",), f"option id {option_id!r} is used twice")
        seen.add(option_id)
        fraction = check.number(option, "fraction", where, default=0.0, low=-1, high=1)
        fraction = float(fraction or 0.0)
        options.append(
            {
                "id": option_id,
                "text": check.localised(option, "text", where),
                "correct": fraction >= 0.99999 if kind == "single" else fraction > 0,
                "credit": fraction,
                "fraction": fraction,
                "feedback": check.localised(option, "feedback", where, required=False),
            }
        )
    fractions = [option["fraction"] for option in options]
    if kind == "single" and fractions and max(fractions) < 0.99999:
        check.problem(path + ("options",), "one option must be worth 100% ('fraction: 1')")
    if kind == "multiple" and round(sum(f for f in fractions if f > 0), 2) != 1:
        check.problem(
            path + ("options",), "the positive fractions of the options must add up to 1 (100%)"
        )
    return {"options": options}


def _true_false(check: Checker, item: dict, path: Path) -> dict:
    answer = item.get("answer", MISSING)
    if not isinstance(answer, bool):
        check.problem(
            path + ("answer",) if answer is not MISSING else path, "'answer' must be true or false"
        )
    return {
        "answer": answer if isinstance(answer, bool) else None,
        "feedback_true": check.localised(item, "feedback_true", path, required=False),
        "feedback_false": check.localised(item, "feedback_false", path, required=False),
    }


def _short(check: Checker, item: dict, path: Path) -> dict:
    raw = item.get("accept")
    if not isinstance(raw, list) or not raw:
        check.problem(path + ("accept",), "'accept' must list at least one accepted answer")
        raw = []
    accept = []
    for index, value in enumerate(raw):
        where = path + ("accept", index)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = {"answer": str(value)}
        entry = check.mapping(value, where, "an accepted answer")
        if entry is None:
            continue
        check.unknown_keys(entry, {"answer", "credit", "feedback"}, where)
        text = entry.get("answer")
        if not isinstance(text, (str, int, float)) or not str(text).strip():
            check.problem(where, "an accepted answer must not be empty")
            continue
        accept.append(
            {
                "answer": str(text),
                "credit": check.number(entry, "credit", where, default=1.0, low=0, high=1),
                "feedback": check.localised(entry, "feedback", where, required=False),
            }
        )
    pattern = item.get("pattern")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as error:
            check.problem(
                path + ("pattern",), f"'pattern' is not a valid regular expression: {error}"
            )
    if accept and max(entry["credit"] or 0 for entry in accept) < 1 and pattern is None:
        check.problem(path + ("accept",), "at least one accepted answer must give full credit")
    normalise = check.boolean(item, "normalise", path, item.get("scoring") != "moodle")
    return {
        "accept": accept,
        "pattern": None if pattern is None else str(pattern),
        "normalise": normalise,
    }


def _matching(check: Checker, item: dict, path: Path) -> dict:
    raw = item.get("pairs")
    if not isinstance(raw, list) or len(raw) < 2:
        check.problem(path + ("pairs",), "'pairs' must list at least two pairs")
        raw = []
    pairs = []
    for index, value in enumerate(raw):
        where = path + ("pairs", index)
        pair = check.mapping(value, where, "a pair")
        if pair is not None:
            check.unknown_keys(pair, {"left", "right"}, where)
            pairs.append(
                {
                    "left": check.localised(pair, "left", where),
                    "right": check.localised(pair, "right", where),
                }
            )
    raw_extra = item.get("distractors", [])
    if not isinstance(raw_extra, list):
        check.problem(path + ("distractors",), "'distractors' must be a list")
        raw_extra = []
    holder = {index: value for index, value in enumerate(raw_extra)}
    distractors = [check.localised(holder, index, path + ("distractors",)) for index in holder]
    rights = [str(pair["right"]) for pair in pairs] + [str(extra) for extra in distractors]
    if len(set(rights)) != len(rights):
        check.problem(path + ("pairs",), "right-hand items must all differ")
    return {"pairs": pairs, "distractors": distractors}


def _ordering(check: Checker, item: dict, path: Path) -> dict:
    raw = item.get("items")
    if not isinstance(raw, list) or len(raw) < 2:
        check.problem(
            path + ("items",), "'items' must list at least two items, in the correct order"
        )
        raw = []
    items, seen = [], set()
    for index, value in enumerate(raw):
        where = path + ("items", index)
        entry = check.mapping(value, where, "an item")
        if entry is None:
            continue
        check.unknown_keys(entry, {"id", "text"}, where)
        item_id = check.slug(entry, "id", where)
        if item_id in seen:
            check.problem(where + ("id",), f"item id {item_id!r} is used twice")
        seen.add(item_id)
        items.append({"id": item_id, "text": check.localised(entry, "text", where)})
    return {"items": items}


def _numeric(check: Checker, item: dict, path: Path) -> dict:
    unit = item.get("unit")
    if unit is not None and not isinstance(unit, str):
        check.problem(path + ("unit",), "'unit' must be a string")
    if "answers" in item:
        for key in ("answer", "tolerance", "range"):
            if key in item:
                check.problem(
                    path + (key,), f"write {key!r} inside each of 'answers', not beside it"
                )
        raw = item["answers"]
        if not isinstance(raw, list) or not raw:
            check.problem(path + ("answers",), "'answers' must list at least one answer")
            raw = []
        answers = [
            _numeric_answer(check, value, path + ("answers", index), True)
            for index, value in enumerate(raw)
        ]
        answers = [answer for answer in answers if answer]
        if answers and max(answer["credit"] or 0 for answer in answers) < 1:
            check.problem(path + ("answers",), "at least one answer must give full credit")
    else:
        answers = [_numeric_answer(check, item, path, False)]
    return {"answers": [answer for answer in answers if answer], "unit": unit}


def _numeric_answer(check: Checker, value: object, where: Path, listed: bool) -> dict | None:
    entry = check.mapping(value, where, "an answer")
    if entry is None:
        return None
    if listed:
        check.unknown_keys(entry, {"answer", "tolerance", "range", "credit", "feedback"}, where)
    result = {
        "value": None,
        "tolerance": 0.0,
        "range": None,
        "any": False,
        "credit": 1.0,
        "feedback": None,
    }
    if listed and entry.get("answer") == "*":
        if "range" in entry or "tolerance" in entry:
            check.problem(where + ("answer",), "'*' (any number) takes no 'range' or 'tolerance'")
        result["any"] = True
    elif "range" in entry:
        span = entry["range"]
        numbers = isinstance(span, list) and len(span) == 2
        numbers = numbers and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in span
        )
        if not numbers or span[0] > span[1]:
            check.problem(where + ("range",), "'range' must be [low, high] with low <= high")
            return None
        if "answer" in entry or "tolerance" in entry:
            check.problem(
                where + ("range",), "give either 'range' or 'answer' (with 'tolerance'), not both"
            )
        result["range"] = [span[0], span[1]]
    else:
        result["value"] = check.number(entry, "answer", where)
        result["tolerance"] = check.number(entry, "tolerance", where, default=0, low=0)
    if listed:
        result["credit"] = check.number(entry, "credit", where, default=1.0, low=0, high=1)
        result["feedback"] = check.localised(entry, "feedback", where, required=False)
    return result


def _essay(check: Checker, item: dict, path: Path) -> dict:
    raw = item.get("rubric", [])
    if not isinstance(raw, list):
        check.problem(path + ("rubric",), "'rubric' must be a list of criteria")
        raw = []
    rubric, seen = [], set()
    for index, value in enumerate(raw):
        where = path + ("rubric", index)
        entry = check.mapping(value, where, "a rubric criterion")
        if entry is None:
            continue
        check.unknown_keys(entry, {"id", "label", "points"}, where)
        criterion_id = check.slug(entry, "id", where)
        if criterion_id in seen:
            check.problem(where + ("id",), f"criterion id {criterion_id!r} is used twice")
        seen.add(criterion_id)
        rubric.append(
            {
                "id": criterion_id,
                "label": check.localised(entry, "label", where),
                "points": check.number(entry, "points", where, low=1, integer=True),
            }
        )
    min_words = check.number(item, "min_words", path, default=None, low=0, integer=True)
    return {"rubric": rubric, "min_words": min_words}


KEY_CHECKS = {
    "single": lambda check, item, path: _options(check, item, path, "single"),
    "multiple": lambda check, item, path: _options(check, item, path, "multiple"),
    "true_false": _true_false,
    "short": _short,
    "matching": _matching,
    "ordering": _ordering,
    "numeric": _numeric,
    "essay": _essay,
}
