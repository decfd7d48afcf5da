"""Write normalised questions back as GIFT, in one locale.

Reading the result with ``gift_convert`` gives the same YAML again. Ordering questions have no
GIFT form and are skipped (their ids are returned so the caller can say so); an essay's rubric
and a question's objectives and level are not carried by GIFT either.
"""

from __future__ import annotations

from course.quizzes.render import BLANK

SPECIAL = "\\~=#{}:"


def escape(text: str) -> str:
    """Backslash GIFT's special characters and write new lines as ``\\n``."""
    for char in SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def write_gift(questions: list[dict], locale: str) -> tuple[str, list[str]]:
    """The GIFT text of ``questions`` and the ids of those that GIFT cannot express."""
    chunks: list[str] = []
    skipped: list[str] = []
    category: str | None = None
    for question in questions:
        if question["type"] == "ordering":
            skipped.append(question["id"])
            continue
        tags = question.get("tags") or []
        wanted = tags[0] if tags else None
        lines = []
        if wanted != category:
            lines.append(
                f"$CATEGORY: $course$/top/{wanted}" if wanted else "$CATEGORY: $course$/top"
            )
            category = wanted
        lines.extend(f"// [tag:{tag}]" for tag in tags[1:])
        lines.append(_question(question, locale))
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n", skipped


def _question(question: dict, locale: str) -> str:
    fmt = question.get("format") or "markdown"
    marker = f"[{fmt}]" if fmt != "markdown" else ""
    block = "{" + _block(question, locale)
    if question.get("feedback"):
        block += " ####" + escape(question["feedback"][locale])
    block += "}"
    text = question["text"][locale]
    if BLANK in text:
        before, after = text.split(BLANK, 1)
        body = f"{escape(before.rstrip())} {block} {escape(after.lstrip())}".strip()
    else:
        body = f"{escape(text)} {block}"
    return f"::{escape(question['id'])}::{marker}{body}"


def _block(question: dict, locale: str) -> str:
    kind = question["type"]
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
        return " ".join(
            "="
            + (f"%{_percent(entry['credit'])}%" if entry["credit"] < 1 else "")
            + escape(entry["answer"])
            + _feedback(entry["feedback"], locale)
            for entry in question["accept"]
        )
    if kind == "matching":
        parts = [
            f"={escape(pair['left'][locale])} -> {escape(pair['right'][locale])}"
            for pair in question["pairs"]
        ]
        parts += [f"= -> {escape(extra[locale])}" for extra in question["distractors"]]
        return " ".join(parts)
    if kind == "numeric":
        answers = question["answers"]
        if len(answers) == 1 and answers[0]["credit"] >= 1 and not answers[0]["feedback"]:
            return "#" + _numeric(answers[0])
        return "#" + " ".join(
            "="
            + (f"%{_percent(a['credit'])}%" if a["credit"] < 1 else "")
            + _numeric(a)
            + _feedback(a["feedback"], locale)
            for a in answers
        )
    return ""


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
