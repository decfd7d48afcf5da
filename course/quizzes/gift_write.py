"""Write normalised questions back as GIFT, in one locale, the way Moodle reads it.

Every question gets an explicit format marker (``[markdown]``, ``[html]``, ``[plain]``,
``[moodle]``) and each ``$CATEGORY:`` line stands in its own block (Moodle reads a category
block whole). Reading the result with ``gift_convert`` gives questions with the same meaning.

What GIFT cannot carry is returned as a list of :class:`Loss` (ordering questions, rubrics,
``min_words``, points, objectives, levels, regular-expression patterns, units, our short-answer
normalisation, the other locale, the quiz settings), so the command and the page can say so.
A drawing quiz exports its bank's questions, with the draw written as comments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from course.quizzes.render import BLANK

SPECIAL = "\\~=#{}:"

#: English text of each loss, for the command line (the web page translates the codes).
LOSS_MESSAGES = {
    "ordering": "ordering question: GIFT has no ordering questions; not exported",
    "rubric": "the essay's rubric ({detail} criteria) is not exported",
    "min_words": "the essay's minimum of {detail} words is not exported",
    "points": "its points ({detail}) are not exported; Moodle gives the default mark",
    "objectives": "its objectives ({detail}) are not exported",
    "level": "its level ({detail}) is not exported",
    "pattern": "the pattern of accepted answers ({detail}) is not exported",
    "unit": "the unit ({detail}) is not exported",
    "normalise": "Moodle compares short answers without our full-width/half-width and spacing "
    "normalisation (a comment keeps it for our own import)",
    "catch_all": "an 'any number' answer with credit has no GIFT form; not exported",
    "locale": "the {detail} text is not exported (GIFT holds one language); export that "
    "locale separately",
    "settings": "the quiz settings ({detail}) are not exported",
}


@dataclass(frozen=True)
class Loss:
    """Something GIFT cannot carry: for a question (``question_id``) or the file (``None``)."""

    question_id: str | None
    code: str
    detail: str = ""

    def __str__(self) -> str:
        message = LOSS_MESSAGES[self.code].format(detail=self.detail)
        return f"{self.question_id}: {message}" if self.question_id else message


@dataclass
class GiftExport:
    """The GIFT text, the ids of the questions written, and what was left out."""

    text: str
    exported: list[str] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)


def escape(text: str) -> str:
    """Backslash GIFT's special characters and write new lines as ``\\n``."""
    for char in SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def write_gift(questions: list[dict], locale: str) -> tuple[str, list[str]]:
    """The GIFT text of ``questions`` and the ids of those that GIFT cannot express."""
    result = export_questions(questions, locale)
    return result.text, [loss.question_id for loss in result.losses if loss.code == "ordering"]


def export_quiz(quiz: dict, bank: dict | None, locale: str, locales: list[str]) -> GiftExport:
    """A quiz (or the bank) as GIFT; a drawing quiz writes the bank and its draw as comments."""
    header: list[str] = []
    questions = quiz.get("questions") or []
    if quiz.get("draw"):
        header.append(f"// Quiz {quiz['id']} draws its questions from the course's question bank:")
        for rule in quiz["draw"]["rules"]:
            header.append(f"// draw {rule['count']} tagged {', '.join(rule['tags'])}")
        header.append("// (each tag is a category below; set up random questions from them)")
        questions = (bank or {}).get("questions") or []
    result = export_questions(questions, locale, header)
    others = [other for other in locales if other != locale]
    if others and questions:
        result.losses.append(Loss(None, "locale", ", ".join(others)))
    if quiz.get("kind") == "quiz":
        settings = ["pass_mark", "attempts", "time_limit_minutes", "review"]
        result.losses.append(Loss(None, "settings", ", ".join(settings)))
    return result


def export_questions(
    questions: list[dict], locale: str, header: list[str] | None = None
) -> GiftExport:
    """Every question GIFT can express, in ``locale``, with what each loses."""
    chunks: list[str] = ["\n".join(header)] if header else []
    result = GiftExport("")
    category: str | None = None
    for question in questions:
        losses = _losses(question)
        result.losses.extend(losses)
        if any(loss.code in ("ordering", "catch_all") for loss in losses):
            continue
        tags = question.get("tags") or []
        wanted = tags[0] if tags else None
        if wanted != category:
            chunks.append(
                f"$CATEGORY: $course$/top/{wanted}" if wanted else "$CATEGORY: $course$/top"
            )
            category = wanted
        lines = [f"// [tag:{tag}]" for tag in tags[1:]]
        if question["type"] == "short" and question.get("scoring", "standard") == "standard":
            lines.append("// [scoring:standard]")
        lines.append(_question(question, locale))
        chunks.append("\n".join(lines))
        result.exported.append(question["id"])
    result.text = "\n\n".join(chunks) + "\n" if chunks else ""
    return result


def _losses(question: dict) -> list[Loss]:
    qid, kind = question["id"], question["type"]
    if kind == "ordering":
        return [Loss(qid, "ordering")]
    losses = []
    if kind == "essay" and question.get("rubric"):
        losses.append(Loss(qid, "rubric", str(len(question["rubric"]))))
    if kind == "essay" and question.get("min_words"):
        losses.append(Loss(qid, "min_words", str(question["min_words"])))
    if question.get("points", 1) != 1:
        losses.append(Loss(qid, "points", _number(question["points"])))
    if question.get("objectives"):
        losses.append(Loss(qid, "objectives", ", ".join(question["objectives"])))
    if question.get("level"):
        losses.append(Loss(qid, "level", question["level"]))
    if kind == "short" and question.get("pattern"):
        losses.append(Loss(qid, "pattern", question["pattern"]))
    if kind == "short" and question.get("normalise", True):
        losses.append(Loss(qid, "normalise"))
    if kind == "numeric" and question.get("unit"):
        losses.append(Loss(qid, "unit", question["unit"]))
    if kind == "numeric" and any(a.get("any") and a["credit"] for a in question["answers"]):
        losses.append(Loss(qid, "catch_all"))
    return losses


def _question(question: dict, locale: str) -> str:
    marker = f"[{question.get('format') or 'markdown'}]"
    block = "{" + _block(question, locale)
    if question.get("feedback"):
        block += " ####" + escape(question["feedback"][locale])
    block += "}"
    text = question["text"][locale]
    if BLANK in text:
        before, after = text.split(BLANK, 1)
        body = f"{escape(before)}{block}{escape(after)}"
    else:
        body = f"{escape(text)} {block}"
    return f"::{escape(question['id'])}::{marker}{body}"


def _block(question: dict, locale: str) -> str:
    kind = question["type"]
    moodle = question.get("scoring") == "moodle"
    if kind in ("single", "multiple") and moodle:
        return " ".join(
            _sign(option["fraction"], kind == "single")
            + escape(option["text"][locale])
            + _feedback(option["feedback"], locale)
            for option in question["options"]
        )
    if kind == "single":
        parts = []
        for option in question["options"]:
            if option["correct"]:
                sign = "="
            elif option["credit"]:
                sign = f"~%{_percent(option['credit'])}%"
            else:
                sign = "~"
            parts.append(
                sign + escape(option["text"][locale]) + _feedback(option["feedback"], locale)
            )
        return " ".join(parts)
    if kind == "multiple":
        share = 1 / sum(1 for option in question["options"] if option["correct"])
        return " ".join(
            f"~%{_percent(share if option['correct'] else -share)}%"
            + escape(option["text"][locale])
            + _feedback(option["feedback"], locale)
            for option in question["options"]
        )
    if kind == "true_false":
        answer = question["answer"]
        right = question["feedback_true"] if answer else question["feedback_false"]
        wrong = question["feedback_false"] if answer else question["feedback_true"]
        block = "TRUE" if answer else "FALSE"
        if right or wrong:
            block += "#" + (escape(wrong[locale]) if wrong else "")
            block += "#" + escape(right[locale]) if right else ""
        return block
    if kind == "short":
        accept = question["accept"]
        if not moodle:
            accept = sorted(accept, key=lambda entry: -entry["credit"])
        return " ".join(
            "="
            + (f"%{_percent(entry['credit'])}%" if entry["credit"] < 1 else "")
            + escape(entry["answer"])
            + _feedback(entry["feedback"], locale)
            for entry in accept
        )
    if kind == "matching":
        parts = [
            f"={escape(pair['left'][locale])} -> {escape(pair['right'][locale])}"
            for pair in question["pairs"]
        ]
        parts += [f"= -> {escape(extra[locale])}" for extra in question["distractors"]]
        return " ".join(parts)
    if kind == "numeric":
        return "#" + _numeric_block(question, locale, moodle)
    return ""


def _numeric_block(question: dict, locale: str, moodle: bool) -> str:
    answers = [a for a in question["answers"] if not a.get("any")]
    catch_all = next((a for a in question["answers"] if a.get("any")), None)
    if moodle and catch_all is not None:
        # Moodle writes the catch-all last; answers after it could never match first.
        answers = answers[: question["answers"].index(catch_all)]
    if not moodle:
        answers = sorted(answers, key=lambda a: -a["credit"])
    simple = len(answers) == 1 and answers[0]["credit"] >= 1 and not answers[0]["feedback"]
    if simple and catch_all is None:
        return _numeric(answers[0])
    parts = [
        "="
        + (f"%{_percent(a['credit'])}%" if a["credit"] < 1 else "")
        + _numeric(a)
        + _feedback(a["feedback"], locale)
        for a in answers
    ]
    if catch_all is not None:
        parts.append("~" + (_feedback(catch_all["feedback"], locale) or "#"))
    return " ".join(parts)


def _sign(fraction: float, single: bool) -> str:
    if single and fraction >= 0.99999:
        return "="
    return f"~%{_percent(fraction)}%" if fraction else "~"


def _numeric(answer: dict) -> str:
    if answer["range"] is not None:
        return f"{_number(answer['range'][0])}..{_number(answer['range'][1])}"
    if answer["tolerance"]:
        return f"{_number(answer['value'])}:{_number(answer['tolerance'])}"
    return _number(answer["value"])


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _feedback(feedback: dict | None, locale: str) -> str:
    return "#" + escape(feedback[locale]) if feedback else ""


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
