"""Turn parsed GIFT questions into our quiz YAML (the author's form), checking each one.

Conversion rules (documented in docs/authoring.md, "GIFT"):

- a choice block with one answer at 100% becomes ``single``; other positive weights become that
  wrong option's ``credit``, negative weights count as 0;
- a choice block with two or more positive weights becomes ``multiple``: positive weights mark the
  correct options, and our rule (wrong picks cost, never below zero) replaces GIFT's weights;
- ``$CATEGORY:`` gives the first tag; ``// [tag:x]`` comments add tags; ``// [id:x]`` or the
  question's ``::name::`` (as a slug) gives the id, else ``q-001``, ``q-002``...
"""

from __future__ import annotations

import html
import re

import nh3
import yaml

from course.problems import Problem
from course.quizzes.checker import SLUG
from course.quizzes.formats import parse_quiz
from course.quizzes.gift import GiftQuestion, parse_gift

LETTERS = "abcdefghijklmnopqrstuvwxyz"


class ConversionError(ValueError):
    """A GIFT question that has no faithful form in our format."""


def gift_to_quiz(
    text: str, filename: str, title: str, locales: list[str]
) -> tuple[str | None, list[Problem]]:
    """Convert a GIFT file to the text of a quiz YAML file, or return every problem (no text)."""
    parsed, problems = parse_gift(text, filename)
    if problems:
        return None, problems
    if not parsed:
        return None, [Problem(filename, 1, "the file holds no questions")]
    questions, used = [], set()
    for number, question in enumerate(parsed, start=1):
        try:
            converted = to_yaml_question(question, number, used)
        except ConversionError as error:
            problems.append(Problem(filename, question.line, str(error)))
            continue
        single = dump_quiz({"title": "check", "questions": [converted]})
        _, found = parse_quiz(single, "check.yaml", locales)
        problems.extend(Problem(filename, question.line, p.message) for p in found)
        questions.append(converted)
    if problems:
        return None, problems
    return dump_quiz({"title": title, "questions": questions}), []


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
    fmt = question.format or "markdown"
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
    return nh3.clean(text) if fmt == "html" else text


def _short_text(text: str, fmt: str) -> str:
    return html.unescape(nh3.clean(text, tags=set())) if fmt == "html" else text


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _choice(question: GiftQuestion, fmt: str) -> dict:
    answers = question.answers
    full = [a for a in answers if a.fraction >= 0.99999]
    positive = [a for a in answers if a.fraction > 0]
    if len(answers) < 2:
        raise ConversionError("a choice question needs at least two answers")
    if len(full) == 1 and all(a.fraction < 1 for a in answers if a is not full[0]):
        kind = "single"
    elif len(positive) >= 2 and not any(a.fraction >= 0.99999 for a in positive):
        kind = "multiple"
    elif len(full) > 1:
        raise ConversionError(
            "several answers give 100%; for multiple response give each right one a share (~%50%)"
        )
    else:
        raise ConversionError("no answer gives full credit")
    options = []
    for index, answer in enumerate(answers):
        option: dict = {"id": _letter(index), "text": _short_text(answer.text, fmt)}
        if kind == "single" and answer is full[0] or kind == "multiple" and answer.fraction > 0:
            option["correct"] = True
        elif kind == "single" and answer.fraction > 0:
            option["credit"] = round(answer.fraction, 5)
        if answer.feedback:
            option["feedback"] = _short_text(answer.feedback, fmt)
        options.append(option)
    return {"type": kind, "options": options}


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
    accept: list = []
    for answer in question.answers:
        if answer.fraction < 0:
            raise ConversionError("a short answer cannot carry a negative weight")
        text = _short_text(answer.text, fmt)
        if answer.fraction >= 0.99999 and not answer.feedback:
            accept.append(text)
            continue
        entry: dict = {"answer": text}
        if answer.fraction < 0.99999:
            entry["credit"] = round(answer.fraction, 5)
        if answer.feedback:
            entry["feedback"] = _short_text(answer.feedback, fmt)
        accept.append(entry)
    return {"type": "short", "accept": accept}


def _matching(question: GiftQuestion, fmt: str) -> dict:
    pairs = [
        {"left": _short_text(a.text, fmt), "right": _short_text(a.right or "", fmt)}
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
        if answer.low is not None:
            entry["range"] = [_number(answer.low), _number(answer.high)]
        else:
            entry["answer"] = _number(answer.value)
            if answer.tolerance:
                entry["tolerance"] = _number(answer.tolerance)
        if answer.fraction < 0.99999:
            entry["credit"] = round(answer.fraction, 5)
        if answer.feedback:
            entry["feedback"] = _short_text(answer.feedback, fmt)
        answers.append(entry)
    if len(answers) == 1 and "credit" not in answers[0] and "feedback" not in answers[0]:
        return {"type": "numeric", **answers[0]}
    return {"type": "numeric", "answers": answers}


def _essay(question: GiftQuestion, fmt: str) -> dict:
    return {"type": "essay"}


def _letter(index: int) -> str:
    return LETTERS[index] if index < len(LETTERS) else f"o{index + 1}"


CONVERTERS = {
    "multichoice": _choice,
    "truefalse": _true_false,
    "shortanswer": _short,
    "matching": _matching,
    "numerical": _numerical,
    "essay": _essay,
}
