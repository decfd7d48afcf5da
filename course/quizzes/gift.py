"""Read Moodle's GIFT text format into plain question records, reporting what it cannot read.

A GIFT file is a series of questions separated by blank lines::

    // a comment; "// [tag:x]" and "// [id:x]" lines tag and name the next question
    $CATEGORY: $course$/top/Module 1
    ::Name::[markdown]Question text {=right#feedback ~%50%half ~%-100%wrong ####general feedback}

Answer blocks: ``{=a ~b}`` choice, ``{T}``/``{FALSE#wrong#right}`` true/false, ``{=a =b}`` short
answer, ``{=left -> right}`` matching, ``{#3:0.5}``/``{#1..5}``/``{#=3:0 =%50%3:1}`` numeric,
``{}`` essay. Text after the block makes it a missing-word question. ``\\~ \\= \\# \\{ \\} \\:``
escape the special characters and ``\\n`` is a new line.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from course.problems import Problem

FORMATS = {"markdown": "markdown", "html": "html", "plain": "plain", "moodle": "plain"}
ESCAPES = {"~": "~", "=": "=", "#": "#", "{": "{", "}": "}", ":": ":", "n": "\n", "\\": "\\"}
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
CATEGORY_SKIP = {"$course$", "$system$", "$module$", "$cat1$", "$cat2$", "$cat3$", "top", ""}


class GiftError(ValueError):
    """A construct that cannot be converted; ``offset`` points into the question's source."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass
class GiftAnswer:
    """One answer of a block: its text (or matching left side), weight and feedback."""

    text: str
    fraction: float
    feedback: str | None = None
    right: str | None = None
    value: float | None = None
    tolerance: float | None = None
    low: float | None = None
    high: float | None = None


@dataclass
class GiftQuestion:
    """A parsed GIFT question, before it becomes one of our question types."""

    line: int
    kind: str
    name: str | None
    text: str
    format: str | None
    answers: list[GiftAnswer] = field(default_factory=list)
    general_feedback: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    id: str | None = None
    true_false: bool | None = None

    def as_json(self) -> dict:
        """The record as plain values (for ``--json``)."""
        return asdict(self)


def parse_gift(text: str, filename: str) -> tuple[list[GiftQuestion], list[Problem]]:
    """Every question of a GIFT file, or the problems (a file with problems converts nothing)."""
    questions: list[GiftQuestion] = []
    problems: list[Problem] = []
    category: str | None = None
    pending_tags: list[str] = []
    pending_id: str | None = None
    for start, lines in _blocks(text):
        body: list[str] = []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("//"):
                for key, value in re.findall(r"\[(tag|id):([^\]]+)\]", stripped):
                    if key == "tag":
                        pending_tags.append(value.strip())
                    else:
                        pending_id = value.strip()
            elif stripped.startswith("$CATEGORY:") and not body:
                category = category_tag(stripped[len("$CATEGORY:") :])
            else:
                body.append(line)
        while body and not body[0].strip():
            body.pop(0)
        if not body:
            continue
        source = "\n".join(body)
        first = start + next(i for i, line in enumerate(lines) if line in body)
        try:
            question = parse_question(source, first)
        except GiftError as error:
            problems.append(
                Problem(filename, first + source[: error.offset].count("\n"), error.message)
            )
        else:
            question.category = category
            question.tags = ([category] if category else []) + pending_tags
            question.id = pending_id
            questions.append(question)
        pending_tags, pending_id = [], None
    return ([] if problems else questions), problems


def category_tag(path: str) -> str | None:
    """``$course$/top/Module 1`` -> ``module-1``: the last meaningful segment, as a tag."""
    segments = [s.strip() for s in path.split("/") if s.strip().lower() not in CATEGORY_SKIP]
    segments = [s for s in segments if not s.lower().startswith("default for")]
    if not segments:
        return None
    return re.sub(r"\s+", "-", segments[-1].lower())


def _blocks(text: str):
    """(first line number, lines) of each run of non-blank lines."""
    block: list[str] = []
    start = 1
    for number, line in enumerate(text.replace("\r\n", "\n").lstrip("\ufeff").split("\n"), 1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def parse_question(source: str, line: int) -> GiftQuestion:
    """Parse one question's source (a block without comments)."""
    rest, offset, name = source.lstrip(), len(source) - len(source.lstrip()), None
    if rest.startswith("::"):
        end = _find(rest, "::", 2)
        if end < 0:
            raise GiftError("the question name is not closed with '::'", offset)
        name = unescape(rest[2:end]).strip()
        rest, offset = rest[end + 2 :], offset + end + 2
    stripped = rest.lstrip()
    offset += len(rest) - len(stripped)
    rest, fmt = stripped, None
    marker = re.match(r"^\[(\w+)\]", rest)
    if marker:
        if marker.group(1).lower() not in FORMATS:
            raise GiftError(f"unknown text format [{marker.group(1)}]", offset)
        fmt = FORMATS[marker.group(1).lower()]
        rest, offset = rest[marker.end() :], offset + marker.end()
    opening = _find(rest, "{")
    if opening < 0:
        raise GiftError(
            "a question without an answer block '{...}' (a description) cannot be converted", offset
        )
    closing = _find(rest, "}", opening + 1)
    if closing < 0:
        raise GiftError("the answer block is not closed with '}'", offset + opening)
    if _find(rest, "{", closing + 1) >= 0:
        raise GiftError(
            "a question with more than one answer block cannot be converted", offset + closing
        )
    before, block, after = rest[:opening], rest[opening + 1 : closing], rest[closing + 1 :]
    text = unescape(before).strip()
    if after.strip():
        text = f"{unescape(before).rstrip()} {{_}} {unescape(after).lstrip()}".strip()
    question = GiftQuestion(line=line, kind="", name=name, text=text, format=fmt)
    _parse_block(question, block, offset + opening + 1)
    if not question.text:
        raise GiftError("the question has no text", offset)
    return question


def _parse_block(question: GiftQuestion, block: str, offset: int) -> None:
    parts = _split(block, "####")
    if len(parts) > 2:
        raise GiftError("general feedback '####' is given twice", offset)
    if len(parts) == 2:
        question.general_feedback = unescape(parts[1]).strip() or None
    body = parts[0].strip()
    if not body:
        question.kind = "essay"
        return
    if body.startswith("#"):
        question.kind = "numerical"
        question.answers = _numeric_answers(body[1:], offset)
        return
    head = _split(body, "#")
    if head[0].strip().upper() in ("T", "TRUE", "F", "FALSE"):
        if len(head) > 3:
            raise GiftError("true/false takes at most two feedbacks: '#wrong#right'", offset)
        question.kind = "truefalse"
        question.true_false = head[0].strip().upper().startswith("T")
        feedback = [unescape(part).strip() or None for part in head[1:]] + [None, None]
        question.answers = [
            GiftAnswer(text="wrong", fraction=0.0, feedback=feedback[0]),
            GiftAnswer(text="right", fraction=1.0, feedback=feedback[1]),
        ]
        return
    tokens = _tokens(body, offset)
    answers = [_answer(sign, raw, at) for sign, raw, at in tokens]
    signs = {sign for sign, _, _ in tokens}
    if any(answer.right is not None for answer in answers):
        if signs != {"="} or any(answer.right is None for answer in answers):
            raise GiftError("a matching block must write every answer as '=left -> right'", offset)
        if any(answer.feedback for answer in answers):
            raise GiftError("matching answers cannot carry feedback", offset)
        question.kind = "matching"
    elif signs == {"="}:
        question.kind = "shortanswer"
    else:
        question.kind = "multichoice"
    question.answers = answers


def _tokens(body: str, offset: int) -> list[tuple[str, str, int]]:
    """Split an answer block at each unescaped '=' or '~' that starts an answer."""
    tokens: list[tuple[str, str, int]] = []
    stripped = body.lstrip()
    lead = len(body) - len(stripped)
    if not stripped or stripped[0] not in "=~":
        raise GiftError("each answer must start with '=' (right) or '~' (wrong)", offset + lead)
    index = lead
    while index < len(body):
        sign = body[index]
        end = index + 1
        while end < len(body):
            char = body[end]
            if char == "\\":
                end += 2
                continue
            if char in "=~":
                break
            end += 1
        tokens.append((sign, body[index + 1 : end], offset + index))
        index = end
    return tokens


def _answer(sign: str, raw: str, offset: int) -> GiftAnswer:
    fraction = 1.0 if sign == "=" else 0.0
    raw = raw.strip()
    weight = WEIGHT.match(raw)
    if weight:
        fraction = float(weight.group(1)) / 100
        raw = raw[weight.end() :]
        if not -1 <= fraction <= 1:
            raise GiftError(f"the weight {weight.group(0)} is outside -100%..100%", offset)
    parts = _split(raw, "#")
    if len(parts) > 2:
        raise GiftError("an answer takes one '#feedback'", offset)
    feedback = unescape(parts[1]).strip() or None if len(parts) == 2 else None
    arrow = _find(parts[0], "->")
    if arrow >= 0:
        left, right = unescape(parts[0][:arrow]).strip(), unescape(parts[0][arrow + 2 :]).strip()
        if not right:
            raise GiftError("a matching answer needs a right-hand side after '->'", offset)
        return GiftAnswer(text=left, fraction=fraction, feedback=feedback, right=right)
    text = unescape(parts[0]).strip()
    if not text:
        raise GiftError("an answer is empty", offset)
    return GiftAnswer(text=text, fraction=fraction, feedback=feedback)


def _numeric_answers(body: str, offset: int) -> list[GiftAnswer]:
    stripped = body.strip()
    listed = stripped[:1] in ("=", "~")
    entries = _tokens(stripped, offset) if listed else [("=", stripped, offset)]
    answers = []
    for sign, raw, at in entries:
        answer = _answer(sign, raw, at)
        spec = answer.text.replace(" ", "")
        tolerance = re.fullmatch(f"({NUMBER})(?::({NUMBER}))?", spec)
        span = re.fullmatch(f"({NUMBER})\\.\\.({NUMBER})", spec)
        if tolerance:
            answer.value = float(tolerance.group(1))
            answer.tolerance = abs(float(tolerance.group(2) or 0))
        elif span and float(span.group(1)) <= float(span.group(2)):
            answer.low, answer.high = float(span.group(1)), float(span.group(2))
        else:
            raise GiftError(
                f"{answer.text!r} is not a number, 'number:tolerance' or 'low..high'", at
            )
        answers.append(answer)
    return answers


def _find(text: str, needle: str, start: int = 0) -> int:
    """Index of the first unescaped ``needle`` at or after ``start``, or -1."""
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(needle, index):
            return index
        index += 1
    return -1


def _split(text: str, separator: str) -> list[str]:
    """Split at every unescaped ``separator``."""
    parts, start = [], 0
    while True:
        found = _find(text, separator, start)
        if found < 0:
            parts.append(text[start:])
            return parts
        parts.append(text[start:found])
        start = found + len(separator)


def unescape(text: str) -> str:
    """Undo GIFT's backslash escapes."""
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), "\\" + m.group(1)), text)
