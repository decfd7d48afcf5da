"""Grading rules: a question (normalised dict) and a response (plain values) in, a ``Grade`` out.

Responses are canonical, never in the order the trainee saw (``draw.py`` translates), so shuffling
cannot change a score. Each rule returns a score in 0..1, or ``None`` when a person must grade it.

Response shapes, by question type:

- ``single``: the chosen option id, or None.
- ``multiple``: a list of chosen option ids.
- ``true_false``: True, False or None.
- ``short``: the typed text.
- ``matching``: ``{left index (str): right index (int)}``; right indexes count the pairs' right
  items first, then the distractors.
- ``ordering``: the item ids in the order the trainee put them.
- ``numeric``: the typed text (a number; full-width digits and a trailing unit are accepted).
- ``essay``: the typed text.

A question may say ``scoring: moodle`` (single, multiple, short, numeric): it is then graded by
Moodle's rule for its type, so a question imported from Moodle scores as it did there. Without
it (``standard``) the rules below apply unchanged.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Grade:
    """The score of one response (``None`` while it waits for a person) and the feedback it earned.

    ``feedback`` holds the localised maps (``{locale: text}``) chosen by the response, in order.
    """

    score: float | None
    feedback: tuple[dict, ...] = field(default_factory=tuple)

    @property
    def pending(self) -> bool:
        return self.score is None


def fold(text: str) -> str:
    """Fold a short answer for comparison: NFKC (full-width to half-width), case, no white space."""
    return WHITESPACE.sub("", unicodedata.normalize("NFKC", text).casefold())


def grade(question: dict, response: object) -> Grade:
    """Grade ``response`` to ``question`` with the rule of the question's type."""
    return RULES[question["type"]](question, response)


def moodle_match(answer: str, response: str, normalise: bool = False) -> bool:
    """Moodle's short-answer comparison: ``*`` matches any run of characters (``\\*`` is a star),
    case is ignored, the response is trimmed, inner spaces count. With ``normalise`` both sides
    are folded first (full-width to half-width, no white space), as our standard rule does."""
    answer = unicodedata.normalize("NFC", answer)
    response = unicodedata.normalize("NFC", response).strip()
    if normalise:
        answer = WHITESPACE.sub("", unicodedata.normalize("NFKC", answer))
        response = WHITESPACE.sub("", unicodedata.normalize("NFKC", response))
    parts = re.split(r"(?<!\\)\*+", answer)
    pattern = ".*".join(re.escape(part.replace("\\*", "*")) for part in parts)
    return re.fullmatch(pattern, response, re.IGNORECASE | re.DOTALL) is not None


def grade_single(question: dict, response: object) -> Grade:
    """The correct option scores 1; a wrong one its ``credit`` (0 unless the author gave some).

    Under Moodle's scoring the chosen option's fraction is the score, negative ones included.
    """
    for option in question["options"]:
        if option["id"] == response:
            return Grade(float(option["credit"]), _some(option["feedback"]))
    return Grade(0.0)


def grade_multiple(question: dict, response: object) -> Grade:
    """(right picks - wrong picks) / number of correct options, never below zero.

    Unknown ids are ignored and a repeated id counts once.
    """
    picked = set(response or ()) if isinstance(response, (list, tuple, set)) else set()
    options = question["options"]
    if question.get("scoring") == "moodle":
        return grade_multiple_moodle(question, picked)
    correct = sum(1 for option in options if option["correct"])
    right = sum(1 for option in options if option["id"] in picked and option["correct"])
    wrong = sum(1 for option in options if option["id"] in picked and not option["correct"])
    feedback = tuple(
        option["feedback"] for option in options if option["id"] in picked and option["feedback"]
    )
    return Grade(_clamp((right - wrong) / correct), feedback)


def grade_multiple_moodle(question: dict, picked: set) -> Grade:
    """Moodle's multiple response: the sum of the picked options' fractions, within 0..1."""
    chosen = [option for option in question["options"] if option["id"] in picked]
    feedback = tuple(option["feedback"] for option in chosen if option["feedback"])
    return Grade(_clamp(sum(option["fraction"] for option in chosen)), feedback)


def grade_true_false(question: dict, response: object) -> Grade:
    """1 when the pick equals the answer; the feedback for the pick is shown either way."""
    if not isinstance(response, bool):
        return Grade(0.0)
    feedback = question["feedback_true"] if response else question["feedback_false"]
    return Grade(1.0 if response == question["answer"] else 0.0, _some(feedback))


def grade_short(question: dict, response: object) -> Grade:
    """The best credit among accepted answers equal to the response once both are folded.

    The ``pattern``, when given, is matched in full against the folded response (full credit).
    With ``normalise: false`` answers are compared as typed, ignoring only case and the spaces
    around them. Under Moodle's scoring the first matching answer (``*`` as a wildcard) counts.
    """
    if not isinstance(response, str) or not fold(response):
        return Grade(0.0)
    normalise = question.get("normalise", True)
    if question.get("scoring") == "moodle":
        for entry in question["accept"]:
            if moodle_match(entry["answer"], response, normalise):
                return Grade(float(entry["credit"]), _some(entry["feedback"]))
        return Grade(0.0)
    if not normalise:
        given = _as_typed(response)
        for entry in sorted(question["accept"], key=lambda e: -e["credit"]):
            if _as_typed(entry["answer"]) == given:
                return Grade(float(entry["credit"]), _some(entry["feedback"]))
        return Grade(0.0)
    given = fold(response)
    best = None
    for entry in question["accept"]:
        if fold(entry["answer"]) == given and (best is None or entry["credit"] > best["credit"]):
            best = entry
    pattern = question.get("pattern")
    if pattern and re.fullmatch(pattern, given) and (best is None or best["credit"] < 1):
        return Grade(1.0)
    if best is None:
        return Grade(0.0)
    return Grade(float(best["credit"]), _some(best["feedback"]))


def grade_matching(question: dict, response: object) -> Grade:
    """The share of left-hand items matched to their own right-hand item."""
    pairs = question["pairs"]
    chosen = response if isinstance(response, dict) else {}
    right = sum(1 for index in range(len(pairs)) if _as_int(chosen.get(str(index))) == index)
    return Grade(right / len(pairs))


def grade_ordering(question: dict, response: object) -> Grade:
    """The share of item pairs the trainee put in the right relative order.

    Fully right scores 1, fully reversed scores 0; an item left out counts as out of order with
    every other item. This rewards a nearly right sequence more than an all-or-nothing rule would.
    """
    ids = [item["id"] for item in question["items"]]
    given = list(response) if isinstance(response, (list, tuple)) else []
    position = {}
    for index, item_id in enumerate(given):
        position.setdefault(item_id, index)
    total = len(ids) * (len(ids) - 1) // 2
    in_order = 0
    for first in range(len(ids)):
        for second in range(first + 1, len(ids)):
            a, b = position.get(ids[first]), position.get(ids[second])
            if a is not None and b is not None and a < b:
                in_order += 1
    return Grade(in_order / total)


def grade_numeric(question: dict, response: object) -> Grade:
    """The best credit among answers whose tolerance or range contains the number given.

    An answer ``*`` matches any number. Under Moodle's scoring the first match counts.
    """
    number = parse_number(response, question.get("unit"))
    if number is None:
        return Grade(0.0)
    first = question.get("scoring") == "moodle"
    best = None
    for answer in question["answers"]:
        if answer.get("any"):
            hit = True
        elif answer["range"] is not None:
            low, high = answer["range"]
            hit = low <= number <= high
        else:
            hit = abs(number - answer["value"]) <= answer["tolerance"] + 1e-9
        if hit and (best is None or answer["credit"] > best["credit"]):
            best = answer
            if first:
                break
    if best is None:
        return Grade(0.0)
    return Grade(float(best["credit"]), _some(best["feedback"]))


def grade_essay(question: dict, response: object) -> Grade:
    """An essay waits for an instructor; an empty one scores 0 straight away."""
    if not isinstance(response, str) or not response.strip():
        return Grade(0.0)
    return Grade(None)


def essay_score(question: dict, points: dict[str, int] | float) -> float:
    """An instructor's rubric points (or one overall score 0..points without a rubric) as 0..1."""
    rubric = question.get("rubric") or []
    if not rubric:
        return _clamp(float(points) / float(question["points"]))  # type: ignore[arg-type]
    assert isinstance(points, dict)
    total = sum(criterion["points"] for criterion in rubric)
    given = sum(min(max(int(points.get(c["id"], 0)), 0), c["points"]) for c in rubric)
    return _clamp(given / total)


def parse_number(response: object, unit: str | None = None) -> float | None:
    """Read a typed number: full-width digits, a decimal comma and a trailing unit are accepted."""
    if isinstance(response, bool):
        return None
    if isinstance(response, (int, float)):
        return float(response) if math.isfinite(response) else None
    if not isinstance(response, str):
        return None
    text = WHITESPACE.sub("", unicodedata.normalize("NFKC", response))
    if unit and text.casefold().endswith(fold(unit)):
        text = text[: -len(fold(unit))]
    text = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def total_score(parts: list[tuple[float, float | None]]) -> float | None:
    """A quiz's score: the points-weighted mean of question scores; None while any is pending."""
    if any(score is None for _, score in parts):
        return None
    weight = sum(points for points, _ in parts)
    if weight <= 0:
        return 0.0
    return _clamp(sum(points * score for points, score in parts) / weight)  # type: ignore[operator]


def _as_typed(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _some(feedback: dict | None) -> tuple[dict, ...]:
    return (feedback,) if feedback else ()


def _as_int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


RULES = {
    "single": grade_single,
    "multiple": grade_multiple,
    "true_false": grade_true_false,
    "short": grade_short,
    "matching": grade_matching,
    "ordering": grade_ordering,
    "numeric": grade_numeric,
    "essay": grade_essay,
}
