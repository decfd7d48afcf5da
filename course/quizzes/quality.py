"""Assessment-quality rules for one quiz file or the bank: cues a test-wise learner can exploit.

Pure rules over a parsed quiz (``course.quizzes.formats.parse_quiz``) and the same file read with
line numbers (``course.yamlsource.load_yaml``). Each finding is a
:class:`~course.problems.Finding`; the item-writing guideline behind every rule, and why each
threshold is what it is, is in ``docs/authoring.md``, section "Assessment quality".
"""

from __future__ import annotations

import re
from collections import Counter

from course.problems import N_, Finding
from course.yamlsource import YamlDocument

#: A single-choice key at least this many times as long as its longest distractor is a cue on
#: its own (reported per question). The review found keys often twice as long.
LONG_KEY_RATIO = 1.5
#: A key counts as "the longest option" when it is at least this much longer than every
#: distractor (10 %); differences smaller than that are not visible to a reader.
LONGEST_MARGIN = 1.1
#: In a quiz or the bank, the share of single-choice keys that are the longest option may not
#: exceed this. With four options chance alone puts the key longest about a quarter of the time.
LONGEST_KEY_SHARE = 0.4
#: No single authored position (first, second, ...) may hold more than this share of the keys.
KEY_POSITION_SHARE = 0.5
#: Share-based rules need this many questions of the kind before a share means anything.
MIN_FOR_SHARE = 4
#: The share of true statements among true/false items must lie within this band; a small quiz
#: is allowed the half item that rounding makes unavoidable.
TRUE_SHARE_LOW, TRUE_SHARE_HIGH = 0.35, 0.65
#: At most this share of multiple-response questions may have every option right but one.
ALL_BUT_ONE_SHARE = 0.3

ALL_OF_THE_ABOVE = re.compile(r"all of the above|以上(?:都|全|皆|均)(?:是|对|正确)", re.I)
NONE_OF_THE_ABOVE = re.compile(
    r"none of the above|以上(?:都|全|均)(?:不是|不对|不正确)|以上皆(?:非|不是)", re.I
)
#: Specific determiners: words that make an option "always" or "never" true.
ABSOLUTE = re.compile(
    r"\b(?:always|never|every time|under no circumstances)\b"
    r"|总是|从不|从来不|从来没有|永远|绝对|绝不|决不|必定|一定(?!程度|范围|比例|数量|的|时间|期限)",
    re.I,
)
#: Negatives that turn a stem's question round; an author must emphasise them (bold or CAPITALS).
NEGATIVE = re.compile(
    r"\b(?:not|except|least)\b"
    r"|不正确|不恰当|不属于|不应该|不应|不宜|不符合|不包括|不在|不能|不是|错误的|除了",
    re.I,
)
#: Where one sentence ends and the next begins (the question mark stays with its sentence).
SENTENCE_END = re.compile(r"(?<=[。！；;!\n])|(?<=[.?？])\s+")
EMPHASIS = re.compile(r"\*\*(.+?)\*\*|__(.+?)__|【(.+?)】")
CHOICE_TYPES = ("single", "multiple")


def visible_length(text: str) -> int:
    """Characters a reader sees: Markdown emphasis marks and white space left out."""
    return len(re.sub(r"[\s*_`]", "", text))


class _Quiz:
    """One quiz file being checked: its parsed questions and their source lines."""

    def __init__(self, quiz: dict, filename: str, located: YamlDocument) -> None:
        self.quiz = quiz
        self.filename = filename
        self.located = located
        self.findings: list[Finding] = []

    def line(self, *path) -> int:
        return self.located.line("questions", *path)

    def add(self, line: int, rule: str, template: str, subject: str, **params) -> None:
        self.findings.append(
            Finding(self.filename, line, rule, template, tuple(sorted(params.items())), subject)
        )


def check_quiz_quality(quiz: dict, filename: str, located: YamlDocument) -> list[Finding]:
    """Every quality finding in one parsed quiz file (a drawn quiz has no questions of its own)."""
    check = _Quiz(quiz, filename, located)
    questions = list(enumerate(quiz.get("questions") or []))
    for index, question in questions:
        if question["type"] in CHOICE_TYPES:
            _options(check, index, question)
            _negative_stem(check, index, question)
        if question["type"] == "single":
            _long_key(check, index, question)
    singles = [(i, q) for i, q in questions if q["type"] == "single"]
    _longest_share(check, singles)
    _key_position(check, singles)
    _true_false(check, [q for _, q in questions if q["type"] == "true_false"])
    _all_but_one(check, [(i, q) for i, q in questions if q["type"] == "multiple"])
    return check.findings


def _key_and_distractors(question: dict, locale: str) -> tuple[int, int]:
    key = [visible_length(o["text"][locale]) for o in question["options"] if o["correct"]]
    rest = [visible_length(o["text"][locale]) for o in question["options"] if not o["correct"]]
    return (key[0] if key else 0), (max(rest) if rest else 0)


def _long_key(check: _Quiz, index: int, question: dict) -> None:
    for locale in question["text"]:
        key, longest = _key_and_distractors(question, locale)
        if longest and key >= LONG_KEY_RATIO * longest:
            check.add(
                check.line(index, "options"),
                "long-key",
                N_(
                    "%(question)s: the key is %(ratio)s times as long as the longest distractor "
                    "(%(locale)s); a learner can pick it by its length"
                ),
                question["id"],
                question=question["id"],
                ratio=f"{key / longest:.1f}",
                locale=locale,
            )
            return


def _is_longest(question: dict) -> bool:
    return any(
        longest and key >= LONGEST_MARGIN * longest
        for key, longest in (_key_and_distractors(question, loc) for loc in question["text"])
    )


def _longest_share(check: _Quiz, singles: list[tuple[int, dict]]) -> None:
    if len(singles) < MIN_FOR_SHARE:
        return
    longest = [q["id"] for _, q in singles if _is_longest(q)]
    if len(longest) / len(singles) > LONGEST_KEY_SHARE:
        check.add(
            check.line(singles[0][0]),
            "long-key-share",
            N_(
                "in %(count)s of %(total)s single-choice questions the key is the longest "
                "option (more than %(limit)s %%): %(questions)s"
            ),
            check.quiz["id"],
            count=len(longest),
            total=len(singles),
            limit=round(LONGEST_KEY_SHARE * 100),
            questions=", ".join(longest),
        )


def _key_position(check: _Quiz, singles: list[tuple[int, dict]]) -> None:
    if len(singles) < MIN_FOR_SHARE:
        return
    positions = Counter(
        next(n for n, o in enumerate(q["options"]) if o["correct"]) for _, q in singles
    )
    position, count = positions.most_common(1)[0]
    if count / len(singles) > KEY_POSITION_SHARE:
        check.add(
            check.line(singles[0][0]),
            "key-position",
            N_(
                "%(count)s of %(total)s single-choice keys are written as option %(position)s "
                "(more than %(limit)s %%); spread the keys over the positions"
            ),
            check.quiz["id"],
            count=count,
            total=len(singles),
            position=position + 1,
            limit=round(KEY_POSITION_SHARE * 100),
        )


def _true_false(check: _Quiz, items: list[dict]) -> None:
    total = len(items)
    if total < 2:
        return
    true = sum(1 for item in items if item["answer"])
    low, high = TRUE_SHARE_LOW * total - 0.5, TRUE_SHARE_HIGH * total + 0.5
    if not low <= true <= high:
        check.add(
            check.located.line("questions"),
            "true-false-balance",
            N_(
                "%(true)s of %(total)s true/false statements are true; keep between "
                "%(low)s %% and %(high)s %% true so guessing one way does not pay"
            ),
            check.quiz["id"],
            true=true,
            total=total,
            low=round(TRUE_SHARE_LOW * 100),
            high=round(TRUE_SHARE_HIGH * 100),
        )


def _all_but_one(check: _Quiz, multiples: list[tuple[int, dict]]) -> None:
    flagged = [
        q["id"]
        for _, q in multiples
        if len(q["options"]) >= 3
        and sum(o["correct"] for o in q["options"]) == len(q["options"]) - 1
    ]
    if len(flagged) >= 2 and len(flagged) / len(multiples) > ALL_BUT_ONE_SHARE:
        check.add(
            check.line(multiples[0][0]),
            "all-but-one-right",
            N_(
                "%(count)s of %(total)s multiple-response questions have every option right but "
                "one (more than %(limit)s %%): %(questions)s"
            ),
            check.quiz["id"],
            count=len(flagged),
            total=len(multiples),
            limit=round(ALL_BUT_ONE_SHARE * 100),
            questions=", ".join(flagged),
        )


def _options(check: _Quiz, index: int, question: dict) -> None:
    for number, option in enumerate(question["options"]):
        line = check.line(index, "options", number)
        texts = option["text"].values()
        if any(ALL_OF_THE_ABOVE.search(t) for t in texts):
            check.add(
                line,
                "all-of-the-above",
                N_('%(question)s: option "%(option)s" is "all of the above"'),
                question["id"],
                question=question["id"],
                option=option["id"],
            )
        if any(NONE_OF_THE_ABOVE.search(t) for t in texts):
            check.add(
                line,
                "none-of-the-above",
                N_('%(question)s: option "%(option)s" is "none of the above"'),
                question["id"],
                question=question["id"],
                option=option["id"],
            )
        words = sorted({m.group(0) for t in texts for m in ABSOLUTE.finditer(t)})
        if words:
            check.add(
                line,
                "absolute-word",
                N_('%(question)s: option "%(option)s" says %(words)s; absolute words give it away'),
                question["id"],
                question=question["id"],
                option=option["id"],
                words=", ".join(f"“{word}”" for word in words),
            )


def question_sentence(stem: str) -> str:
    """The sentence that asks the question: the last one ending in a question mark, or the
    last sentence. A negative in the scenario before it ("the room has not been cleaned")
    does not turn the question round."""
    sentences = [part for part in SENTENCE_END.split(stem) if part.strip()]
    asking = [part for part in sentences if "?" in part or "？" in part]
    return (asking or sentences or [""])[-1]


def _negative_stem(check: _Quiz, index: int, question: dict) -> None:
    for stem in question["text"].values():
        text = question_sentence(stem)
        emphasised = " ".join(
            part for match in EMPHASIS.finditer(text) for part in match.groups() if part
        )
        for match in NEGATIVE.finditer(text):
            word = match.group(0)
            shouted = word.isascii() and word.isupper() and len(word) > 1
            if not shouted and word.lower() not in emphasised.lower():
                check.add(
                    check.line(index, "text"),
                    "negative-stem",
                    N_(
                        '%(question)s: the stem says "%(word)s" without emphasis (bold or CAPITALS)'
                    ),
                    question["id"],
                    question=question["id"],
                    word=word,
                )
                return
