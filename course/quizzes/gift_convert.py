"""Turn parsed GIFT questions into our quiz YAML (the author's form), checking each one.

Conversion rules (documented in docs/authoring.md, "GIFT"):

- a question keeps Moodle's meaning: when our standard rule grades it the same way it is written
  in the standard form; otherwise it says ``scoring: moodle`` and keeps Moodle's per-option
  fractions (negative ones included), first-match answers and ``*`` wildcards;
- a multiple-choice block with an ``=`` answer allows one pick (``single``), without one several
  (``multiple``), as in Moodle;
- short answers are compared as Moodle does (``normalise: false``); our full-width/half-width and
  spacing normalisation is a per-question setting an author may turn on;
- a description (text without an answer block) is put before the next question's text;
- ``$CATEGORY:`` gives the first tag; ``// [tag:x]`` comments add tags; ``// [id:x]`` or the
  question's ``::name::`` (as a slug) gives the id, else ``q-001``, ``q-002``...

A question that cannot be converted is reported with its line; the others still convert, and the
caller decides whether to keep what converted or nothing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3
import yaml

from course.problems import Problem
from course.quizzes.checker import SLUG
from course.quizzes.formats import parse_quiz
from course.quizzes.gift import GiftQuestion, parse_gift

LETTERS = "abcdefghijklmnopqrstuvwxyz"
FULL = 0.99999


class ConversionError(ValueError):
    """A GIFT question that has no faithful form in our format."""


@dataclass
class GiftImport:
    """The outcome of converting a GIFT file.

    ``text`` is the quiz YAML of every question that converted (None when none did);
    ``problems`` names each question that did not; ``total`` counts the questions read.
    """

    text: str | None
    problems: list[Problem] = field(default_factory=list)
    converted: int = 0
    total: int = 0

    @property
    def complete(self) -> bool:
        return not self.problems and self.text is not None


def gift_to_quiz(
    text: str, filename: str, title: str, locales: list[str]
) -> tuple[str | None, list[Problem]]:
    """Convert a GIFT file to the text of a quiz YAML file, or return every problem (no text)."""
    result = convert_gift(text, filename, title, locales)
    if result.problems:
        return None, result.problems
    return result.text, []


def convert_gift(text: str, filename: str, title: str, locales: list[str]) -> GiftImport:
    """Convert every question that can be converted; report the others."""
    parsed, problems = parse_gift(text, filename)
    questions: list[dict] = []
    used: set[str] = set()
    intro: GiftQuestion | None = None
    total = len(problems)
    for number, question in enumerate(parsed, start=1):
        if question.kind == "description":
            if intro is not None:
                problems.append(_unplaced(filename, intro))
            intro = question
            continue
        total += 1
        try:
            if intro is not None:
                _prepend(question, intro)
                intro = None
            converted = to_yaml_question(question, number, used)
        except ConversionError as error:
            problems.append(Problem(filename, question.line, str(error)))
            continue
        single = dump_quiz({"title": "check", "questions": [converted]})
        _, found = parse_quiz(single, "check.yaml", locales)
        if found:
            problems.extend(Problem(filename, question.line, p.message) for p in found)
            continue
        questions.append(converted)
    if intro is not None:
        problems.append(_unplaced(filename, intro))
        total += 1
    if not parsed and not problems:
        problems.append(Problem(filename, 1, "the file holds no questions"))
    problems.sort(key=lambda p: p.line)
    document = dump_quiz({"title": title, "questions": questions}) if questions else None
    return GiftImport(document, problems, len(questions), total)


def _unplaced(filename: str, description: GiftQuestion) -> Problem:
    return Problem(
        filename,
        description.line,
        "a description (text without an answer block) is kept only before a question",
    )


def _prepend(question: GiftQuestion, intro: GiftQuestion) -> None:
    """Put a description before the next question's text, when their formats agree."""
    if intro.format != question.format:
        raise ConversionError(
            f"the description before this question is in the {intro.format} format and the "
            f"question in {question.format}; give them the same format marker"
        )
    joiner = "<br><br>" if question.format in ("html",) else "\n\n"
    question.text = intro.text + joiner + question.text


def dump_quiz(document: dict) -> str:
    """YAML as an author would write it: keys in our order, Chinese left readable."""
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def slugify(name: str) -> str:
    """A question name as an id slug (empty when nothing ASCII is left)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def to_yaml_question(question: GiftQuestion, number: int, used: set[str]) -> dict:
    """One GIFT question in our YAML form; raises ``ConversionError`` for what has no form."""
    base = question.id or slugify(question.name or "") or f"q-{number:03d}"
    if not SLUG.match(base):
        base = f"q-{number:03d}"
    qid, suffix = base, 2
    while qid in used:
        qid, suffix = f"{base}-{suffix}", suffix + 1
    used.add(qid)
    fmt = question.format
    result: dict = {"id": qid, "type": None}
    if question.tags:
        result["tags"] = list(dict.fromkeys(question.tags))
    if fmt != "markdown":
        result["format"] = fmt
    result["text"] = _body(question.text, fmt)
    if question.general_feedback:
        result["feedback"] = _body(question.general_feedback, fmt)
    converter = CONVERTERS[question.kind]
    result.update(converter(question, fmt))
    return result


def _body(text: str, fmt: str) -> str:
    return nh3.clean(text) if fmt in ("html", "moodle") else text


def _short_text(text: str, fmt: str) -> str:
    if fmt in ("html", "moodle"):
        return html.unescape(nh3.clean(text, tags=set())).strip()
    return text


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _fraction(value: float) -> int | float:
    return _number(round(value, 7))


def _close(a: float, b: float) -> bool:
    return abs(a - b) < 1e-4


def _choice(question: GiftQuestion, fmt: str) -> dict:
    answers = question.answers
    fractions = [a.fraction for a in answers]
    kind = "single" if question.single else "multiple"
    if kind == "single" and max(fractions) < FULL:
        raise ConversionError("no answer gives full credit")
    if kind == "multiple" and round(sum(f for f in fractions if f > 0), 2) != 1:
        raise ConversionError(
            "the positive weights of a multiple-response question must add up to 100%"
        )
    full = [a for a in answers if a.fraction >= FULL]
    positive = [a for a in answers if a.fraction > 0]
    if kind == "single":
        standard = len(full) == 1 and all(
            0 <= a.fraction < FULL for a in answers if a is not full[0]
        )
    else:
        share = 1 / len(positive)
        standard = all(
            _close(a.fraction, share) if a.fraction > 0 else _close(a.fraction, -share)
            for a in answers
        )
    options = []
    for index, answer in enumerate(answers):
        option: dict = {"id": _letter(index), "text": _short_text(answer.text, answer.format)}
        if not standard:
            if answer.fraction:
                option["fraction"] = _fraction(answer.fraction)
        elif kind == "single" and answer is full[0] or kind == "multiple" and answer.fraction > 0:
            option["correct"] = True
        elif kind == "single" and answer.fraction > 0:
            option["credit"] = round(answer.fraction, 5)
        if answer.feedback:
            option["feedback"] = _short_text(answer.feedback, fmt)
        options.append(option)
    result: dict = {"type": kind}
    if not standard:
        result["scoring"] = "moodle"
    result["options"] = options
    return result


def _true_false(question: GiftQuestion, fmt: str) -> dict:
    wrong, right = question.answers[0].feedback, question.answers[1].feedback
    result: dict = {"type": "true_false", "answer": question.true_false}
    by_pick = {question.true_false: right, not question.true_false: wrong}
    if by_pick[True]:
        result["feedback_true"] = _short_text(by_pick[True], fmt)
    if by_pick[False]:
        result["feedback_false"] = _short_text(by_pick[False], fmt)
    return result


def _short(question: GiftQuestion, fmt: str) -> dict:
    standard = question.scoring == "standard"
    accept: list = []
    for answer in question.answers:
        if answer.fraction < 0:
            raise ConversionError("a short answer cannot carry a negative weight")
        text = _short_text(answer.text, answer.format)
        if not text:
            raise ConversionError("an accepted answer is empty")
        if answer.fraction >= FULL and not answer.feedback:
            accept.append(text)
            continue
        entry: dict = {"answer": text}
        if answer.fraction < FULL:
            entry["credit"] = round(answer.fraction, 5)
        if answer.feedback:
            entry["feedback"] = _short_text(answer.feedback, fmt)
        accept.append(entry)
    if standard:
        return {"type": "short", "accept": accept}
    return {"type": "short", "scoring": "moodle", "normalise": False, "accept": accept}


def _matching(question: GiftQuestion, fmt: str) -> dict:
    pairs = [
        {"left": _short_text(a.text, a.format), "right": _short_text(a.right or "", fmt)}
        for a in question.answers
        if a.text
    ]
    distractors = [_short_text(a.right or "", fmt) for a in question.answers if not a.text]
    result: dict = {"type": "matching", "pairs": pairs}
    if distractors:
        result["distractors"] = distractors
    return result


def _numerical(question: GiftQuestion, fmt: str) -> dict:
    answers = []
    for answer in question.answers:
        if answer.fraction < 0:
            raise ConversionError("a numeric answer cannot carry a negative weight")
        entry: dict = {}
        if answer.any:
            entry["answer"] = "*"
        elif answer.low is not None:
            entry["range"] = [_number(answer.low), _number(answer.high)]
        else:
            entry["answer"] = _number(answer.value)
            if answer.tolerance:
                entry["tolerance"] = _number(answer.tolerance)
        if answer.fraction < FULL:
            entry["credit"] = round(answer.fraction, 5)
        if answer.feedback:
            entry["feedback"] = _short_text(answer.feedback, fmt)
        answers.append(entry)
    credits = [answer.fraction for answer in question.answers]
    # First match (Moodle) and best credit (ours) agree when no answer outranks an earlier one.
    first_is_best = all(a >= b - 1e-9 for a, b in zip(credits, credits[1:], strict=False))
    only = answers[0] if len(answers) == 1 else {}
    if only and set(only) <= {"answer", "tolerance", "range"} and only.get("answer") != "*":
        return {"type": "numeric", **only}
    result: dict = {"type": "numeric"}
    if not first_is_best:
        result["scoring"] = "moodle"
    result["answers"] = answers
    return result


def _essay(question: GiftQuestion, fmt: str) -> dict:
    return {"type": "essay"}


def _letter(index: int) -> str:
    return LETTERS[index] if index < len(LETTERS) else f"o{index + 1}"


CONVERTERS = {
    "multichoice": _choice,
    "truefalse": _true_false,
    "shortanswer": _short,
    "match": _matching,
    "numerical": _numerical,
    "essay": _essay,
}
