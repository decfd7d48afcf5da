"""The quiz form: a quiz file's YAML as form fields and back, for the common question types.

Three shapes of the same quiz travel through here:

- the quiz as YAML text, as stored in the draft (``quizzes/<course>/<id>.yaml``);
- the quiz as a plain dict, as ``yaml.safe_load`` reads it (before any checking);
- :class:`QuizForm`, the fields an instructor edits in the browser, all strings and flags.

Single, multiple, true/false and short-answer questions become editable fields. Every other
question, and every field the form does not show (``format``, ``draw``, unknown keys), travels
through the form untouched as YAML in a hidden field, so saving through the form never changes
what it cannot display. A question the form could not write back with the same meaning (an option
with partial ``credit``, an accepted answer with its own feedback, a malformed value) is shown
read-only like the other types. The form rewrites the file in one standard layout, so comments in
the YAML are not kept. Nothing here checks the quiz: the quizzes area's ``parse_quiz`` does that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from course.authoring.quizyaml import (
    QuizFormError,
    dump_quiz,
    dump_yaml,
    load_extras,
    load_yaml,
    read_quiz,
)
from course.quizzes.question_formats import LEVELS

__all__ = ["QuizFormError", "dump_quiz", "form_from_quiz", "quiz_from_form", "read_quiz"]

COMMON_TYPES = ("single", "multiple", "true_false", "short")
LAYOUTS = ("all", "one-per-page")
GRADINGS = ("best", "last")
ANSWERS = ("always", "after_pass", "never")
NUMBERS = ("pass_mark", "attempts", "cooldown_minutes", "time_limit_minutes")
FLAGS = ("shuffle_questions", "shuffle_options")
REVIEW_FLAGS = ("score", "correctness", "feedback")
SETTINGS = ("title", *NUMBERS, "layout", *FLAGS, "grading", "review")
#: The fields each editable type has besides the common ones.
TYPE_FIELDS = {
    "single": ("options",),
    "multiple": ("options",),
    "true_false": ("answer", "feedback_true", "feedback_false"),
    "short": ("accept", "pattern"),
}
COMMON_FIELDS = ("id", "type", "tags", "objectives", "level", "points", "text", "feedback")


class _Unrepresentable(Exception):
    """A value the form would not write back with the same meaning."""


@dataclass
class OptionForm:
    """One option of a single- or multiple-choice question."""

    id: str = ""
    text: dict[str, str] = field(default_factory=dict)
    correct: bool = False
    feedback: dict[str, str] = field(default_factory=dict)


@dataclass
class QuestionForm:
    """One question. ``source`` holds the whole question as YAML when the form shows it
    read-only; ``extras`` holds, as YAML, the fields of an editable question the form leaves
    alone."""

    type: str
    id: str = ""
    tags: str = ""
    objectives: str = ""
    level: str = ""
    points: str = ""
    text: dict[str, str] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    options: list[OptionForm] = field(default_factory=list)
    answer: str = ""
    feedback_true: dict[str, str] = field(default_factory=dict)
    feedback_false: dict[str, str] = field(default_factory=dict)
    accept: str = ""
    pattern: str = ""
    extras: str = ""
    source: str = ""

    @property
    def editable(self) -> bool:
        """Whether the form shows this question's fields (else its YAML, read-only)."""
        return not self.source


@dataclass
class QuizForm:
    """A quiz's settings and questions as form values. A bank has only questions; a drawn quiz
    (``draw:``) has no ``questions`` at all (``has_questions`` False)."""

    locales: list[str]
    bank: bool = False
    title: dict[str, str] = field(default_factory=dict)
    pass_mark: str = "0.7"
    attempts: str = "0"
    cooldown_minutes: str = "0"
    time_limit_minutes: str = ""
    layout: str = "all"
    shuffle_questions: bool = False
    shuffle_options: bool = False
    grading: str = "best"
    review_score: bool = True
    review_correctness: bool = True
    review_feedback: bool = True
    review_answers: str = "after_pass"
    extras: str = ""
    has_questions: bool = True
    questions: list[QuestionForm] = field(default_factory=list)


# -- dict -> form ---------------------------------------------------------------------------


def _scalar(value: object) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _localised(value: object, locales: list[str]) -> dict[str, str]:
    if value is None:
        return {}
    if _scalar(value):
        return {locale: str(value) for locale in locales}
    if (
        isinstance(value, dict)
        and set(value) <= set(locales)
        and all(_scalar(text) for text in value.values())
    ):
        return {locale: str(value[locale]) for locale in locales if locale in value}
    raise _Unrepresentable


def _words(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, list) or not all(_scalar(item) for item in value):
        raise _Unrepresentable
    words = [str(item) for item in value]
    if any(not word.strip() or any(c.isspace() or c == "," for c in word) for word in words):
        raise _Unrepresentable
    return " ".join(words)


def _number(value: object, empty: str = "") -> str:
    if value is None:
        return empty
    if not _scalar(value) or isinstance(value, str):
        raise _Unrepresentable
    return str(value)


def _word(value: object, allowed: tuple, default: str) -> str:
    if value is None:
        return default
    if value not in allowed:
        raise _Unrepresentable
    return str(value)


def _flag(value: object, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _Unrepresentable
    return value


def form_from_quiz(quiz: dict, locales: list[str], bank: bool = False) -> QuizForm:
    """The form of a quiz read with :func:`read_quiz`; ``bank`` for ``bank.yaml``.

    Raises :class:`QuizFormError` when the settings hold values the form cannot show.
    """
    form = QuizForm(locales=list(locales), bank=bank)
    managed = {"questions"} if bank else {*SETTINGS, "questions"}
    if not bank:
        try:
            _settings_from(form, quiz, locales)
        except _Unrepresentable:
            raise QuizFormError(
                "the quiz's settings hold values the form cannot show; edit them in the YAML view"
            ) from None
    extras = {key: value for key, value in quiz.items() if key not in managed}
    form.extras = dump_yaml(extras) if extras else ""
    form.has_questions = "questions" in quiz or "draw" not in quiz
    raw = quiz.get("questions") or []
    if not isinstance(raw, list):
        raise QuizFormError("'questions' is not a list; fix it in the YAML view")
    form.questions = [question_form(item, locales) for item in raw]
    return form


def _settings_from(form: QuizForm, quiz: dict, locales: list[str]) -> None:
    form.title = _localised(quiz.get("title"), locales)
    form.pass_mark = _number(quiz.get("pass_mark"), "0.7")
    form.attempts = _number(quiz.get("attempts"), "0")
    form.cooldown_minutes = _number(quiz.get("cooldown_minutes"), "0")
    form.time_limit_minutes = _number(quiz.get("time_limit_minutes"))
    form.layout = _word(quiz.get("layout"), LAYOUTS, "all")
    form.shuffle_questions = _flag(quiz.get("shuffle_questions"), False)
    form.shuffle_options = _flag(quiz.get("shuffle_options"), False)
    form.grading = _word(quiz.get("grading"), GRADINGS, "best")
    review = quiz.get("review")
    if review is None:
        review = {}
    if not isinstance(review, dict) or not set(review) <= {*REVIEW_FLAGS, "answers"}:
        raise _Unrepresentable
    for key in REVIEW_FLAGS:
        setattr(form, f"review_{key}", _flag(review.get(key), True))
    form.review_answers = _word(review.get("answers"), ANSWERS, "after_pass")


def question_form(item: object, locales: list[str]) -> QuestionForm:
    """One question's form: its fields when the form can edit it, else its YAML, read-only."""
    kind = item.get("type") if isinstance(item, dict) else None
    try:
        if kind not in COMMON_TYPES:
            raise _Unrepresentable
        return _editable_question(item, locales)
    except _Unrepresentable:
        question_id = item.get("id") if isinstance(item, dict) else None
        return QuestionForm(
            type=str(kind or ""),
            id=question_id if isinstance(question_id, str) else "",
            source=dump_yaml(item),
        )


def _editable_question(item: dict, locales: list[str]) -> QuestionForm:
    kind = item["type"]
    if not isinstance(item.get("id", ""), str):
        raise _Unrepresentable
    question = QuestionForm(
        type=kind,
        id=item.get("id", ""),
        tags=_words(item.get("tags")),
        objectives=_words(item.get("objectives")),
        level=_word(item.get("level"), LEVELS, ""),
        points=_number(item.get("points")),
        text=_localised(item.get("text"), locales),
        feedback=_localised(item.get("feedback"), locales),
    )
    if kind in ("single", "multiple"):
        options = item.get("options")
        if not isinstance(options, list):
            raise _Unrepresentable
        question.options = [_option_form(option, locales) for option in options]
    elif kind == "true_false":
        answer = item.get("answer")
        if answer is not None and not isinstance(answer, bool):
            raise _Unrepresentable
        question.answer = "" if answer is None else str(answer).lower()
        question.feedback_true = _localised(item.get("feedback_true"), locales)
        question.feedback_false = _localised(item.get("feedback_false"), locales)
    else:
        question.accept = _accepted(item.get("accept"))
        pattern = item.get("pattern")
        if pattern is not None and (not _scalar(pattern) or "\n" in str(pattern)):
            raise _Unrepresentable
        question.pattern = "" if pattern is None else str(pattern)
    extras = {k: v for k, v in item.items() if k not in (*COMMON_FIELDS, *TYPE_FIELDS[kind])}
    question.extras = dump_yaml(extras) if extras else ""
    return question


def _option_form(option: object, locales: list[str]) -> OptionForm:
    if not isinstance(option, dict) or not set(option) <= {"id", "text", "correct", "feedback"}:
        raise _Unrepresentable
    if not isinstance(option.get("id", ""), str):
        raise _Unrepresentable
    return OptionForm(
        id=option.get("id", ""),
        text=_localised(option.get("text"), locales),
        correct=_flag(option.get("correct"), False),
        feedback=_localised(option.get("feedback"), locales),
    )


def _accepted(raw: object) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, list):
        raise _Unrepresentable
    answers = []
    for entry in raw:
        if isinstance(entry, dict) and set(entry) == {"answer"}:
            entry = entry["answer"]
        if not _scalar(entry) or not str(entry).strip() or "\n" in str(entry):
            raise _Unrepresentable
        answers.append(str(entry))
    return "\n".join(answers)


# -- form -> dict ---------------------------------------------------------------------------


def _localised_out(values: dict[str, str]) -> dict[str, str] | None:
    kept = {locale: text for locale, text in values.items() if text.strip()}
    return kept or None


def _number_out(text: str) -> int | float | str | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return number if number == number and abs(number) != float("inf") else text


def quiz_from_form(form: QuizForm) -> dict:
    """The quiz dict the form describes, ready for :func:`dump_quiz`."""
    quiz: dict = {}
    if not form.bank:
        _put(quiz, "title", _localised_out(form.title))
        for key in NUMBERS:
            _put(quiz, key, _number_out(getattr(form, key)))
        quiz["layout"] = form.layout
        quiz["shuffle_questions"] = form.shuffle_questions
        quiz["shuffle_options"] = form.shuffle_options
        quiz["grading"] = form.grading
        quiz["review"] = {key: getattr(form, f"review_{key}") for key in REVIEW_FLAGS}
        quiz["review"]["answers"] = form.review_answers
    for key, value in load_extras(form.extras).items():
        quiz.setdefault(key, value)
    if form.has_questions:
        quiz["questions"] = [question_from_form(question) for question in form.questions]
    return quiz


def _put(target: dict, key: str, value: object) -> None:
    if value is not None and value != []:
        target[key] = value


def question_from_form(question: QuestionForm) -> object:
    """One question as the quiz file holds it."""
    if question.source:
        return load_yaml(question.source)
    item: dict = {}
    _put(item, "id", question.id.strip() or None)
    item["type"] = question.type
    _put(item, "tags", _split_words(question.tags))
    _put(item, "objectives", _split_words(question.objectives))
    _put(item, "level", question.level or None)
    _put(item, "points", _number_out(question.points))
    _put(item, "text", _localised_out(question.text))
    if question.type in ("single", "multiple"):
        item["options"] = [_option_out(option) for option in question.options]
    elif question.type == "true_false":
        _put(item, "answer", {"true": True, "false": False}.get(question.answer))
        _put(item, "feedback_true", _localised_out(question.feedback_true))
        _put(item, "feedback_false", _localised_out(question.feedback_false))
    elif question.type == "short":
        accept = [line.rstrip("\r") for line in question.accept.split("\n")]
        item["accept"] = [line for line in accept if line.strip()]
        _put(item, "pattern", question.pattern or None)
    _put(item, "feedback", _localised_out(question.feedback))
    for key, value in load_extras(question.extras).items():
        item.setdefault(key, value)
    return item


def _option_out(option: OptionForm) -> dict:
    out: dict = {}
    _put(out, "id", option.id.strip() or None)
    _put(out, "text", _localised_out(option.text))
    if option.correct:
        out["correct"] = True
    _put(out, "feedback", _localised_out(option.feedback))
    return out


def _split_words(text: str) -> list[str]:
    return text.replace(",", " ").split()
