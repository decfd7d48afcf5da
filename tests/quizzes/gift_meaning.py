"""Does a question read back from GIFT mean what the original meant? (text, key, grades)

Grades are compared over every pick combination for choice questions and over a spread of
typed responses (each accepted answer, its full-width, spaced and upper-case forms, boundary
numbers) for short and numeric ones.
"""

from __future__ import annotations

from itertools import chain, combinations, permutations

from course.quizzes.grading import grade

FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)}


def differences(original: dict, imported: dict, locale: str) -> list[str]:
    """What differs in meaning between ``original`` and ``imported`` (empty: same meaning)."""
    found = []
    for key in ("type", "format", "tags"):
        if original.get(key) != imported.get(key):
            found.append(f"{key}: {original.get(key)!r} != {imported.get(key)!r}")
    if found:
        return found
    if original["text"][locale] != imported["text"][locale]:
        found.append("text")
    if _text(original.get("feedback"), locale) != _text(imported.get("feedback"), locale):
        found.append("general feedback")
    kind = original["type"]
    if kind in ("single", "multiple"):
        found += _options(original, imported, locale)
    elif kind == "true_false":
        for key in ("feedback_true", "feedback_false"):
            if _text(original[key], locale) != _text(imported[key], locale):
                found.append(key)
        found += _grades(original, imported, [True, False, None], lambda r: r)
    elif kind == "short":
        found += _grades(original, imported, _short_responses(original), lambda r: r)
    elif kind == "numeric":
        found += _grades(original, imported, _numbers(original), lambda r: r)
    elif kind == "matching":
        for a, b in zip(original["pairs"], imported["pairs"], strict=False):
            if (a["left"][locale], a["right"][locale]) != (b["left"][locale], b["right"][locale]):
                found.append("pairs")
        if [d[locale] for d in original["distractors"]] != [
            d[locale] for d in imported["distractors"]
        ]:
            found.append("distractors")
        size = len(original["pairs"]) + len(original["distractors"])
        picks = [
            {str(i): p for i, p in enumerate(perm)}
            for perm in list(permutations(range(size), len(original["pairs"])))[:200]
        ]
        found += _grades(original, imported, picks, lambda r: r)
    return found


def _text(value, locale):
    return value[locale] if value else None


def _options(original: dict, imported: dict, locale: str) -> list[str]:
    found = []
    a, b = original["options"], imported["options"]
    if len(a) != len(b):
        return ["number of options"]
    for x, y in zip(a, b, strict=True):
        if x["text"][locale] != y["text"][locale] or _text(x["feedback"], locale) != _text(
            y["feedback"], locale
        ):
            found.append(f"option {x['id']}")
    rename = {x["id"]: y["id"] for x, y in zip(a, b, strict=True)}
    ids = [x["id"] for x in a]
    if original["type"] == "single":
        responses = [*ids, None]
        return found + _grades(original, imported, responses, lambda r: rename.get(r))
    subsets = chain.from_iterable(combinations(ids, n) for n in range(len(ids) + 1))
    return found + _grades(
        original, imported, [list(s) for s in subsets], lambda r: [rename[i] for i in r]
    )


def _grades(original: dict, imported: dict, responses, translate) -> list[str]:
    found = []
    for response in responses:
        mine, theirs = grade(original, response), grade(imported, translate(response))
        if mine.score is None and theirs.score is None:
            continue
        if mine.score is None or theirs.score is None or abs(mine.score - theirs.score) > 1e-6:
            found.append(f"grade of {response!r}: {mine.score} != {theirs.score}")
    return found


def _short_responses(question: dict) -> list[str]:
    responses = ["", "wrong answer", "*"]
    for entry in question["accept"]:
        text = entry["answer"]
        responses += [
            text,
            text.upper(),
            f"  {text}  ",
            " ".join(text),
            text.translate(FULL_WIDTH),
            text + "x",
        ]
    return responses


def _numbers(question: dict) -> list[str]:
    numbers = [0.0, -1e9, 1e9]
    for answer in question["answers"]:
        if answer.get("any"):
            continue
        if answer["range"] is not None:
            low, high = answer["range"]
            numbers += [low, high, (low + high) / 2, low - 0.001, high + 0.001]
        else:
            value, tolerance = answer["value"], answer["tolerance"]
            numbers += [value, value + tolerance, value - tolerance, value + tolerance + 0.01]
    return [repr(n) for n in numbers] + ["abc"]
