"""The quiz form over HTTP: the names of its fields, reading a posted form back into a
:class:`~course.authoring.quizform.QuizForm`, the add/remove/move buttons, and which question a
checker problem's line falls in.

Field names (``<loc>`` is a locale, ``<i>`` a question's and ``<j>`` an option's position)::

    title-<loc> pass_mark attempts cooldown_minutes time_limit_minutes layout grading
    shuffle_questions shuffle_options review_score review_correctness review_feedback
    review_answers extras has_questions question_count
    q<i>-source (a read-only question's YAML) or q<i>-type q<i>-id q<i>-tags q<i>-objectives
    q<i>-level q<i>-points q<i>-text-<loc> q<i>-feedback-<loc> q<i>-extras
    q<i>-option_count q<i>-o<j>-id q<i>-o<j>-text-<loc> q<i>-o<j>-correct q<i>-o<j>-feedback-<loc>
    q<i>-answer q<i>-feedback_true-<loc> q<i>-feedback_false-<loc> q<i>-accept q<i>-pattern

A checkbox is on when its field is present and not empty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields

import yaml

from course import yamlsource
from course.authoring.quizform import (
    COMMON_TYPES,
    FLAGS,
    NUMBERS,
    REVIEW_FLAGS,
    OptionForm,
    QuestionForm,
    QuizForm,
    QuizFormError,
)
from course.authoring.quizyaml import load_yaml

MAX_QUESTIONS = 500
MAX_OPTIONS = 26
LOCALISED = ("text", "feedback", "feedback_true", "feedback_false")


def _text(data: Mapping[str, str], name: str) -> str:
    return str(data.get(name) or "").replace("\r\n", "\n")


def _count(data: Mapping[str, str], name: str, limit: int) -> int:
    value = _text(data, name)
    return min(int(value), limit) if value.isdigit() else 0


def _locales(data: Mapping[str, str], prefix: str, locales: list[str]) -> dict[str, str]:
    return {locale: _text(data, f"{prefix}-{locale}") for locale in locales}


def form_from_post(data: Mapping[str, str], locales: list[str], bank: bool = False) -> QuizForm:
    """The form as the browser posted it (unknown or missing fields read as empty)."""
    form = QuizForm(locales=list(locales), bank=bank)
    if not bank:
        form.title = _locales(data, "title", locales)
        for key in NUMBERS:
            setattr(form, key, _text(data, key))
        for key in FLAGS:
            setattr(form, key, bool(data.get(key)))
        for key in REVIEW_FLAGS:
            setattr(form, f"review_{key}", bool(data.get(f"review_{key}")))
        form.layout = _text(data, "layout")
        form.grading = _text(data, "grading")
        form.review_answers = _text(data, "review_answers")
    form.extras = _text(data, "extras")
    form.has_questions = bool(data.get("has_questions"))
    for index in range(_count(data, "question_count", MAX_QUESTIONS)):
        form.questions.append(_question(data, f"q{index}", locales))
    return form


def _question(data: Mapping[str, str], prefix: str, locales: list[str]) -> QuestionForm:
    source = _text(data, f"{prefix}-source")
    if source:
        try:
            item = load_yaml(source)
        except yaml.YAMLError:
            raise QuizFormError(
                "a read-only question's YAML was damaged; reload the page"
            ) from None
        kind = item.get("type") if isinstance(item, dict) else ""
        question_id = item.get("id") if isinstance(item, dict) else ""
        return QuestionForm(
            type=str(kind or ""),
            id=question_id if isinstance(question_id, str) else "",
            source=source,
        )
    kind = _text(data, f"{prefix}-type")
    question = QuestionForm(type=kind if kind in COMMON_TYPES else "single")
    for name in ("id", "tags", "objectives", "level", "points", "answer", "accept", "pattern"):
        setattr(question, name, _text(data, f"{prefix}-{name}"))
    for name in LOCALISED:
        setattr(question, name, _locales(data, f"{prefix}-{name}", locales))
    question.extras = _text(data, f"{prefix}-extras")
    for index in range(_count(data, f"{prefix}-option_count", MAX_OPTIONS)):
        where = f"{prefix}-o{index}"
        question.options.append(
            OptionForm(
                id=_text(data, f"{where}-id"),
                text=_locales(data, f"{where}-text", locales),
                correct=bool(data.get(f"{where}-correct")),
                feedback=_locales(data, f"{where}-feedback", locales),
            )
        )
    return question


def post_of(form: QuizForm) -> dict[str, str]:
    """The fields a browser would post for ``form`` (the inverse of :func:`form_from_post`)."""
    data: dict[str, str] = {"extras": form.extras, "question_count": str(len(form.questions))}
    data["has_questions"] = "1" if form.has_questions else ""
    if not form.bank:
        for locale, text in form.title.items():
            data[f"title-{locale}"] = text
        for key in (*NUMBERS, "layout", "grading", "review_answers"):
            data[key] = getattr(form, key)
        for key in (*FLAGS, *(f"review_{flag}" for flag in REVIEW_FLAGS)):
            if getattr(form, key):
                data[key] = "1"
    for index, question in enumerate(form.questions):
        prefix = f"q{index}"
        if question.source:
            data[f"{prefix}-source"] = question.source
            continue
        for spec in fields(QuestionForm):
            value = getattr(question, spec.name)
            if spec.name in LOCALISED:
                data.update({f"{prefix}-{spec.name}-{loc}": text for loc, text in value.items()})
            elif isinstance(value, str) and spec.name != "source":
                data[f"{prefix}-{spec.name}"] = value
        data[f"{prefix}-option_count"] = str(len(question.options))
        for number, option in enumerate(question.options):
            where = f"{prefix}-o{number}"
            data[f"{where}-id"] = option.id
            data.update({f"{where}-text-{loc}": text for loc, text in option.text.items()})
            data.update({f"{where}-feedback-{loc}": text for loc, text in option.feedback.items()})
            if option.correct:
                data[f"{where}-correct"] = "1"
    return data


# -- buttons --------------------------------------------------------------------------------


def new_question(kind: str, taken: set[str]) -> QuestionForm:
    """A blank question of ``kind`` with an unused id (``q-01``, ``q-02``...)."""
    number = 1
    while f"q-{number:02d}" in taken:
        number += 1
    question = QuestionForm(type=kind, id=f"q-{number:02d}")
    if kind in ("single", "multiple"):
        question.options = [OptionForm(id="a", correct=True), OptionForm(id="b")]
    elif kind == "true_false":
        question.answer = "true"
    return question


def apply_action(form: QuizForm, action: str) -> bool:
    """Carry out an add/remove/move button (``add:single``, ``remove:2``, ``up:2``, ``down:2``,
    ``add-option:2``, ``remove-option:2:1``). Returns False for an unknown action."""
    verb, _, rest = action.partition(":")
    numbers = [int(part) for part in rest.split(":") if part.isdigit()]
    questions = form.questions
    if verb == "add" and rest in COMMON_TYPES and len(questions) < MAX_QUESTIONS:
        questions.append(new_question(rest, {question.id for question in questions}))
        return True
    if not numbers or not 0 <= numbers[0] < len(questions):
        return False
    index = numbers[0]
    if verb == "remove":
        del questions[index]
    elif verb in ("up", "down"):
        other = index - 1 if verb == "up" else index + 1
        if not 0 <= other < len(questions):
            return False
        questions[index], questions[other] = questions[other], questions[index]
    elif verb == "add-option" and questions[index].editable:
        options = questions[index].options
        if len(options) >= MAX_OPTIONS:
            return False
        taken = {option.id for option in options}
        free = next(chr(code) for code in range(ord("a"), ord("z") + 1) if chr(code) not in taken)
        options.append(OptionForm(id=free))
    elif verb == "remove-option" and len(numbers) == 2:
        options = questions[index].options
        if not 0 <= numbers[1] < len(options):
            return False
        del options[numbers[1]]
    else:
        return False
    return True


# -- problems by question -------------------------------------------------------------------


def question_lines(text: str) -> list[int]:
    """The first line of each question in the quiz text (empty when it is not readable YAML)."""
    document, _ = yamlsource.load_yaml(text, "")
    data = document.data if document is not None else None
    raw = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return []
    return [document.lines.get(("questions", index), 0) for index in range(len(raw))]


def question_at(starts: list[int], line: int) -> int | None:
    """The position of the question that ``line`` falls in; None for the settings above them."""
    found = None
    for index, start in enumerate(starts):
        if start and start <= line:
            found = index
    return found


def course_locales(course_yaml: str, fallback: list[str]) -> list[str]:
    """The locales a draft's course.yaml declares (``fallback`` when it does not say)."""
    try:
        value = load_yaml(course_yaml)
    except yaml.YAMLError:
        return list(fallback)
    locales = value.get("locales") if isinstance(value, dict) else None
    if isinstance(locales, list) and locales and all(isinstance(x, str) for x in locales):
        return locales
    return list(fallback)
