"""Opaque per-attempt names for everything a trainee's browser sees of a paper.

Before grading, the browser never sees an authored id: each question, option, matching item and
ordering item is named by a token: 48 bits of SHAKE-256 output keyed by a per-attempt key (an
HMAC-SHA256 of the application's secret, the attempt's id and its seed), one output stream per
question, cut into the question's name and its items' names in display order. Tokens of one
attempt say nothing about another's, so "always answer ``a``" or "always the first value" scores
no better than guessing. The server keeps the trainee's entries in its own terms (option ids;
display positions for matching and ordering, see ``paper.py``); this module translates between
those and the tokens, both ways.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

#: Characters per token: 12 hexadecimal digits carry 48 bits.
TOKEN_LENGTH = 12


@dataclass(slots=True)
class QuestionTokens:
    """The tokens of one question: its own name and its items in display order."""

    name: str
    #: single/multiple: option tokens in display order; matching: left-hand items; ordering: items.
    items: tuple[str, ...] = ()
    #: matching only: right-hand items in display order.
    rights: tuple[str, ...] = ()
    _item_index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    _right_index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def item_at(self, token: object) -> int | None:
        """The display position of the item named ``token``, or None."""
        return self._item_index.get(token) if isinstance(token, str) else None

    def right_at(self, token: object) -> int | None:
        """The display position of the right-hand item named ``token``, or None."""
        return self._right_index.get(token) if isinstance(token, str) else None


@dataclass(frozen=True)
class PaperTokens:
    """Every token of one attempt's paper, by question id, and the way back."""

    questions: dict[str, QuestionTokens]
    by_name: dict[str, str]

    def question_id(self, name: object) -> str | None:
        """The question id named by the token ``name``, or None."""
        return self.by_name.get(name) if isinstance(name, str) else None


def attempt_key(secret: str | bytes, attempt_id: int, seed: int) -> bytes:
    """The key every token of one attempt is derived from."""
    secret = secret.encode() if isinstance(secret, str) else secret
    message = f"quiz-attempt-tokens\0{attempt_id}\0{seed}".encode()
    return hmac.new(secret, message, hashlib.sha256).digest()


def paper_tokens(key: bytes, paper: list[tuple[dict, dict]]) -> PaperTokens:
    """The tokens of ``paper`` (questions with their arrangements) under the attempt's ``key``."""
    taken: set[str] = set()

    def names_for(qid: str, count: int) -> list[str]:
        # One keyed XOF call per question (a SHA-3 function keyed by a prefix is a MAC). A
        # repeat within one paper is a 1-in-2^48 event; the stream is then drawn again.
        size = TOKEN_LENGTH // 2
        for again in range(100):
            stream = hashlib.shake_256(b"%b\0%b\0%d" % (key, qid.encode(), again))
            digits = stream.hexdigest(size * count)
            values = [digits[n : n + TOKEN_LENGTH] for n in range(0, len(digits), TOKEN_LENGTH)]
            if len(set(values)) == count and not taken.intersection(values):
                taken.update(values)
                return values
        raise RuntimeError("no free tokens")  # pragma: no cover - needs 100 collisions

    questions, by_name = {}, {}
    for question, arrangement in paper:
        qid, kind = question["id"], question["type"]
        lefts: list = []
        rights: list = []
        if kind in ("single", "multiple"):
            lefts = arrangement["options"]
        elif kind == "matching":
            lefts, rights = arrangement["left"], arrangement["right"]
        elif kind == "ordering":
            lefts = arrangement["items"]
        name, *values = names_for(qid, 1 + len(lefts) + len(rights))
        items, right_names = tuple(values[: len(lefts)]), tuple(values[len(lefts) :])
        questions[qid] = QuestionTokens(
            name,
            items,
            right_names,
            {value: pos for pos, value in enumerate(items)},
            {value: pos for pos, value in enumerate(right_names)},
        )
        by_name[name] = qid
    return PaperTokens(questions, by_name)


def from_browser(question: dict, arrangement: dict, names: QuestionTokens, raw: object) -> object:
    """An entry sent in tokens, in the server's terms (unknown tokens are dropped).

    single: a token; multiple: a list of tokens; matching: ``{left token: right token}``;
    ordering: ``{item token: rank}``; anything else passes through for ``paper.clean_entry``.
    """
    kind = question["type"]
    if kind in ("single", "multiple"):
        options = arrangement["options"]
        if kind == "single":
            position = names.item_at(raw)
            return None if position is None else options[position]
        picked = [names.item_at(value) for value in (raw if isinstance(raw, list) else [])]
        return [options[position] for position in picked if position is not None]
    if kind in ("matching", "ordering"):
        entry = {}
        for left, value in (raw if isinstance(raw, dict) else {}).items():
            position = names.item_at(left)
            if position is None:
                continue
            choice = names.right_at(value) if kind == "matching" else value
            if choice is not None:
                entry[str(position)] = choice
        return entry
    return raw


def to_browser(question: dict, arrangement: dict, names: QuestionTokens, entry: object) -> object:
    """A stored entry as the browser names it (the inverse of ``from_browser``)."""
    kind = question["type"]
    if entry is None:
        return None
    if kind in ("single", "multiple"):
        where = {oid: pos for pos, oid in enumerate(arrangement["options"])}
        if kind == "single":
            return names.items[where[entry]] if entry in where else None
        return [names.items[where[oid]] for oid in entry if oid in where]
    if kind in ("matching", "ordering"):
        shown = {}
        for position, choice in entry.items():
            left = names.items[int(position)]
            shown[left] = names.rights[choice] if kind == "matching" else choice
        return shown
    return entry
