"""Read Moodle's GIFT text format into plain question records, the way Moodle reads it.

The rules follow Moodle's own reader (``question/format/gift/format.php``), so a file means here
what it means in Moodle:

- questions are separated by blank lines; a line starting with ``//`` is a comment
  (``// [tag:x]``, ``// [id:x]`` and ``// [scoring:standard]`` are read by us, ignored by Moodle);
- a block starting with ``$CATEGORY:`` is a category change, all of it (so a question written on
  the next line without a blank line in between is read by Moodle as part of the category's name;
  we report it instead of losing it);
- ``::name::`` names the question; ``[moodle]``, ``[html]``, ``[markdown]`` or ``[plain]`` gives
  the text's format (default: Moodle's auto-format); an unknown marker stays in the text;
- the answer block is the text between the first ``{`` and the first ``}``; no block makes a
  description; text after the block makes a missing-word question;
- the block's type: empty -> essay; ``#...`` -> numerical; any ``~`` -> multiple choice (one
  answer allowed when an ``=`` is present, several otherwise); ``=`` with ``->`` -> matching;
  exactly ``T``/``TRUE``/``F``/``FALSE`` (before any ``#``) -> true/false; else short answer;
- weights are ``%n%`` right after ``~`` or ``=``, negative ones included; ``#`` starts an
  answer's feedback and ``####`` the general feedback; in a numerical block everything from the
  first ``~`` is the feedback for any other answer (``~#feedback``, a catch-all);
- ``\\~ \\= \\# \\{ \\} \\:`` escape the special characters, ``\\\\`` is a backslash and ``\\n`` a
  new line.

Each question is parsed on its own: a question that cannot be read is reported with its line and
the others are still returned.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from course.problems import Problem

#: Format markers Moodle knows, by name.
FORMATS = ("moodle", "html", "plain", "markdown")
DEFAULT_FORMAT = "moodle"
CATEGORY_SKIP = {"$course$", "$system$", "$module$", "$cat1$", "$cat2$", "$cat3$", "top", ""}
WEIGHT = re.compile(r"^%-*[0-9]{1,2}\.?[0-9]*%")
NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")
TRUE_FALSE = ("T", "TRUE", "F", "FALSE")

# Escaped characters are swapped for private-use characters while the question is taken apart,
# then put back (Moodle does the same with ``&&058;``-style placeholders).
_BACKSLASH = "\ue05c"
_ESCAPED = {
    "\\:": "\ue03a",
    "\\#": "\ue023",
    "\\=": "\ue03d",
    "\\{": "\ue07b",
    "\\}": "\ue07d",
    "\\~": "\ue07e",
    "\\n": "\ue00a",
}
_RESTORE = {
    "\ue03a": ":",
    "\ue023": "#",
    "\ue03d": "=",
    "\ue07b": "{",
    "\ue07d": "}",
    "\ue07e": "~",
    "\ue00a": "\n",
}


class GiftError(ValueError):
    """A question that cannot be read or converted."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class GiftAnswer:
    """One answer of a block: its text (or matching left side), fraction and feedback.

    A numerical answer has ``value``/``tolerance`` or ``low``/``high``, or ``any`` (Moodle's
    ``*``, the catch-all written as ``~#feedback``).
    """

    text: str
    fraction: float
    feedback: str | None = None
    format: str | None = None
    right: str | None = None
    value: float | None = None
    tolerance: float | None = None
    low: float | None = None
    high: float | None = None
    any: bool = False


@dataclass
class GiftQuestion:
    """A parsed GIFT question, before it becomes one of our question types.

    ``kind`` is Moodle's type name: ``description``, ``essay``, ``numerical``, ``multichoice``,
    ``match``, ``truefalse`` or ``shortanswer``. ``single`` tells a multiple-choice question
    allows one pick (an ``=`` answer is present) or several.
    """

    line: int
    kind: str
    name: str | None
    text: str
    format: str
    answers: list[GiftAnswer] = field(default_factory=list)
    general_feedback: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    id: str | None = None
    true_false: bool | None = None
    single: bool | None = None
    #: ``standard`` when our own exporter marked the question as graded by our rules.
    scoring: str | None = None

    def as_json(self) -> dict:
        """The record as plain values (for ``--json``)."""
        return asdict(self)


def parse_gift(text: str, filename: str) -> tuple[list[GiftQuestion], list[Problem]]:
    """Every question that could be read, and a problem for each one that could not."""
    questions: list[GiftQuestion] = []
    problems: list[Problem] = []
    category: str | None = None
    for start, lines in _blocks(text):
        tags: list[str] = []
        qid: str | None = None
        scoring: str | None = None
        body: list[str] = []
        first = start
        for offset, line in enumerate(lines):
            stripped = line.strip()
            if stripped.startswith("//"):
                for key, value in re.findall(r"\[(tag|id|scoring):([^\]]+)\]", stripped):
                    if key == "tag":
                        tags.append(value.strip())
                    elif key == "id":
                        qid = value.strip()
                    else:
                        scoring = value.strip()
                continue
            if not body:
                first = start + offset
            body.append(line)
        source = "\n".join(body).strip()
        if not source:
            continue
        if source.startswith("$CATEGORY:"):
            name, _, rest = source[len("$CATEGORY:") :].partition("\n")
            if rest.strip():
                problems.append(
                    Problem(
                        filename,
                        first + 1,
                        "a question follows a $CATEGORY line without a blank line; Moodle reads "
                        "the whole block as the category's name",
                    )
                )
            category = category_tag(name)
            continue
        try:
            question = parse_question(source, first)
        except GiftError as error:
            problems.append(Problem(filename, first, error.message))
            continue
        question.category = category
        question.tags = ([category] if category else []) + tags
        question.id = qid
        question.scoring = scoring
        questions.append(question)
    return questions, problems


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


def protect(text: str) -> str:
    """Swap escaped characters for placeholders (``\\\\`` becomes a plain backslash)."""
    text = text.replace("\\\\", _BACKSLASH)
    for escaped, placeholder in _ESCAPED.items():
        text = text.replace(escaped, placeholder)
    return text.replace(_BACKSLASH, "\\")


def restore(text: str) -> str:
    """Put the escaped characters back."""
    for placeholder, char in _RESTORE.items():
        text = text.replace(placeholder, char)
    return text


def with_format(text: str, default: str) -> tuple[str, str]:
    """(text, format): a leading known ``[marker]`` sets the format; the text is trimmed."""
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in FORMATS:
            fmt, text = text[1:end], text[end + 1 :]
    return restore(text).strip(), fmt


def parse_question(source: str, line: int) -> GiftQuestion:
    """Parse one question's source (a block without comments) as Moodle does."""
    text = protect(source.strip())
    name = None
    if text.startswith("::"):
        text = text[2:]
        end = text.find("::")
        if end < 0:
            raise GiftError("the question name is not closed with '::'")
        name = restore(text[:end]).strip()
        text = text[end + 2 :].strip()
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        body, fmt = with_format(text, DEFAULT_FORMAT)
        if not body:
            raise GiftError("the question has no text")
        return GiftQuestion(line=line, kind="description", name=name, text=body, format=fmt)
    if start < 0 or finish < 0 or finish < start:
        raise GiftError("the answer block is not closed: '{' and '}' do not pair up")
    if text.find("{", finish) >= 0:
        raise GiftError("a question with more than one answer block cannot be converted")
    block = text[start + 1 : finish].strip()
    if text.endswith("}"):
        question_text = text[:start] + text[finish + 1 :]
    else:
        question_text = text[:start] + "{_}" + text[finish + 1 :]
    general = None
    separator = block.rfind("####")
    if separator >= 0:
        general = block[separator + 4 :]
        block = block[:separator].strip()
    body, fmt = with_format(question_text, DEFAULT_FORMAT)
    if not body or body == "{_}":
        raise GiftError("the question has no text")
    question = GiftQuestion(line=line, kind="", name=name, text=body, format=fmt)
    if general is not None:
        question.general_feedback = with_format(general.strip(), fmt)[0] or None
    _read_block(question, block)
    return question


def _read_block(question: GiftQuestion, block: str) -> None:
    fmt = question.format
    if block == "":
        question.kind = "essay"
    elif block.startswith("#"):
        question.kind = "numerical"
        question.answers = _numerical(block[1:], fmt)
    elif "~" in block:
        question.kind = "multichoice"
        question.single = "=" in block
        question.answers = _choices(block, fmt)
    elif "=" in block and "->" in block:
        question.kind = "match"
        question.answers = _pairs(block, fmt)
    else:
        check = block[: block.find("#")].strip() if block.find("#") > 0 else block
        if check in TRUE_FALSE:
            question.kind = "truefalse"
            question.true_false = check.startswith("T")
            parts = [part.strip() for part in block.split("#", 2)] + ["", ""]
            wrong, right = (with_format(p, fmt)[0] or None for p in parts[1:3])
            question.answers = [
                GiftAnswer(text="wrong", fraction=0.0, feedback=wrong),
                GiftAnswer(text="right", fraction=1.0, feedback=right),
            ]
        else:
            question.kind = "shortanswer"
            question.answers = _short_answers(block, fmt)


def _pieces(block: str, separator: str) -> list[str]:
    parts = block.split(separator)
    if parts and not parts[0].strip():
        parts.pop(0)
    return [part.strip() for part in parts]


def _weight(answer: str, default: float) -> tuple[float, str]:
    match = WEIGHT.match(answer)
    if not match:
        return default, answer
    try:
        weight = float(match.group(0).strip("%").lstrip("-")) / 100
    except ValueError:
        return default, answer
    if match.group(0).startswith("%-"):
        weight = -weight
    if not -1 <= weight <= 1:
        raise GiftError(f"the weight {match.group(0)} is outside -100%..100%")
    return weight, answer[match.end() :]


def _comment(answer: str, fmt: str) -> GiftAnswer:
    text, _, feedback = answer.partition("#")
    body, answer_format = with_format(text.strip(), fmt)
    return GiftAnswer(
        text=body,
        fraction=0.0,
        feedback=with_format(feedback.strip(), fmt)[0] or None,
        format=answer_format,
    )


def _choices(block: str, fmt: str) -> list[GiftAnswer]:
    answers = []
    for raw in _pieces(block.replace("=", "~="), "~"):
        if raw.startswith("="):
            weight, raw = 1.0, raw[1:]
        else:
            weight, raw = _weight(raw, 0.0)
        answer = _comment(raw, fmt)
        answer.fraction = weight
        answers.append(answer)
    if len(answers) < 2:
        raise GiftError("a multiple-choice question needs at least two answers")
    return answers


def _pairs(block: str, fmt: str) -> list[GiftAnswer]:
    answers = []
    for raw in _pieces(block, "="):
        if "->" not in raw:
            raise GiftError("a matching block must write every answer as '=left -> right'")
        left, _, right = raw.partition("->")
        text, answer_format = with_format(left.strip(), fmt)
        answers.append(
            GiftAnswer(text=text, fraction=1.0, right=restore(right).strip(), format=answer_format)
        )
    if len(answers) < 2:
        raise GiftError("a matching question needs at least two answers")
    return answers


def _short_answers(block: str, fmt: str) -> list[GiftAnswer]:
    answers = []
    for raw in _pieces(block, "="):
        weight, raw = _weight(raw, 1.0)
        answer = _comment(raw, fmt)
        answer.fraction = weight
        answers.append(answer)
    if not answers:
        raise GiftError("a short-answer question needs at least one answer")
    return answers


def _numerical(block: str, fmt: str) -> list[GiftAnswer]:
    catch_all = None
    if "~" in block:
        block, catch_all = block[: block.find("~")], block[block.find("~") :]
    answers = []
    for raw in _pieces(block, "="):
        weight, raw = _weight(raw, 1.0)
        answer = _comment(raw, fmt)
        answer.fraction = weight
        spec = answer.text.replace(" ", "")
        if spec.find("..") > 0:
            low, high = spec.split("..", 1)
            if not (NUMBER.match(low) and NUMBER.match(high)) or float(low) > float(high):
                raise GiftError(f"{answer.text!r} is not a range 'low..high'")
            answer.low, answer.high = float(low), float(high)
        elif spec.find(":") > 0:
            value, tolerance = spec.split(":", 1)
            if not (NUMBER.match(value) and NUMBER.match(tolerance)):
                raise GiftError(f"{answer.text!r} is not 'number:tolerance'")
            answer.value, answer.tolerance = float(value), abs(float(tolerance))
        elif NUMBER.match(spec):
            answer.value, answer.tolerance = float(spec), 0.0
        else:
            raise GiftError(f"{answer.text!r} is not a number, 'number:tolerance' or 'low..high'")
        answers.append(answer)
    if not answers:
        raise GiftError("a numerical question needs at least one answer")
    if catch_all is not None:
        feedback = _comment(catch_all[1:], fmt).feedback
        answers.append(GiftAnswer(text="*", fraction=0.0, feedback=feedback, any=True))
    return answers


def unescape(text: str) -> str:
    """Undo GIFT's backslash escapes."""
    return restore(protect(text))
