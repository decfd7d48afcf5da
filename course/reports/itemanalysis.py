"""Classical item analysis of quiz questions, over plain scored responses.

For every question (item) the analysis reports:

- **facility**: the mean score on the item (each response scores 0..1, so a partly right
  multiple-response answer counts as the fraction it earned). 0.8 means "most people get it".
- **discrimination**: the point-biserial correlation between the item score and the score on the
  *rest* of the attempt. The rest score of an attempt is the mean score of the attempt's other
  items, not its total: leaving the item itself out keeps it from correlating with itself (the
  "corrected" item-total correlation), and a mean rather than a sum keeps attempts comparable
  when each one drew different questions from a bank. For a fixed quiz the mean is the sum
  divided by a constant, so the correlation is the same as against the rest total. When item
  scores are 0/1 this Pearson correlation *is* the point-biserial coefficient. It is undefined
  (``None``) when either side does not vary, or with fewer than three attempts.
- **distractors**: for choice questions, how many responses picked each option.
- **flags**: facility below 0.2 (too hard) or above 0.95 (too easy), discrimination below 0.15
  (does not separate stronger from weaker trainees), and any wrong option nobody picked.
  Flags are raised only once an item has ``MIN_RESPONSES_TO_FLAG`` (20) graded responses:
  with fewer, one lucky or unlucky trainee moves facility by more than 5 points and the
  correlation's standard error (about 1/sqrt(n - 1), over 0.23) is larger than the 0.15
  threshold itself, so items would be flagged by chance. Below it the item is reported as
  having too few attempts (:attr:`ItemStatistics.too_few_attempts`) and its figures are shown
  without judgement.

Nothing here touches the database; the report service turns stored attempts into
:class:`ItemResponse` values.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

TOO_HARD = 0.2
TOO_EASY = 0.95
LOW_DISCRIMINATION = 0.15
MIN_ATTEMPTS = 3
#: Graded responses an item needs before it is flagged (see the module docstring).
MIN_RESPONSES_TO_FLAG = 20


@dataclass(frozen=True)
class ItemResponse:
    """One attempt's answer to one item: its score (0..1) and the option ids picked, if any."""

    attempt: object
    item: str
    score: float
    picked: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptionCount:
    """How often one option was picked; ``correct`` tells a key from a distractor."""

    option: str
    correct: bool
    count: int
    share: float


@dataclass
class ItemStatistics:
    """What the analysis says about one item."""

    item: str
    responses: int
    facility: float | None
    discrimination: float | None
    options: list[OptionCount] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def too_few_attempts(self) -> bool:
        """Answered, but not often enough to be judged: no flags are raised yet."""
        return 0 < self.responses < MIN_RESPONSES_TO_FLAG


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The Pearson correlation of two equally long series; None when either is constant."""
    n = len(xs)
    if n != len(ys) or n < 2:
        return None
    mean_x = sum(xs) / n
    mean_y = sum(ys) / n
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def analyse(
    responses: Iterable[ItemResponse],
    options: dict[str, list[tuple[str, bool]]] | None = None,
    order: Sequence[str] | None = None,
) -> list[ItemStatistics]:
    """Item statistics for every item that was answered (and every item in ``order``).

    ``options`` maps a choice item to its ``(option id, is correct)`` pairs in the author's order,
    so distractor counts include options nobody picked. ``order`` sets the order of the result
    (the quiz's question order); items not in it follow, sorted by id.
    """
    options = options or {}
    by_attempt: dict[object, dict[str, ItemResponse]] = defaultdict(dict)
    for response in responses:
        by_attempt[response.attempt][response.item] = response
    by_item: dict[str, list[tuple[ItemResponse, float | None]]] = defaultdict(list)
    for answers in by_attempt.values():
        for item, response in answers.items():
            others = [other.score for key, other in answers.items() if key != item]
            rest = sum(others) / len(others) if others else None
            by_item[item].append((response, rest))
    wanted = list(order or ())
    wanted += sorted(set(by_item) - set(wanted))
    return [_statistics(item, by_item.get(item, []), options.get(item)) for item in wanted]


def _statistics(
    item: str,
    rows: list[tuple[ItemResponse, float | None]],
    options: list[tuple[str, bool]] | None,
) -> ItemStatistics:
    n = len(rows)
    facility = sum(response.score for response, _ in rows) / n if n else None
    paired = [(response.score, rest) for response, rest in rows if rest is not None]
    discrimination = None
    if len(paired) >= MIN_ATTEMPTS:
        discrimination = pearson([s for s, _ in paired], [r for _, r in paired])
    stats = ItemStatistics(item, n, facility, discrimination)
    if options:
        counts: dict[str, int] = defaultdict(int)
        for response, _ in rows:
            for picked in set(response.picked):
                counts[picked] += 1
        stats.options = [
            OptionCount(option, correct, counts[option], counts[option] / n if n else 0.0)
            for option, correct in options
        ]
    stats.flags = flags_for(stats)
    return stats


def flags_for(stats: ItemStatistics) -> list[str]:
    """The reasons to look at an item again, as stable codes:

    ``too-hard``, ``too-easy``, ``low-discrimination`` and ``unused-distractor:<option id>``.
    An item with fewer than ``MIN_RESPONSES_TO_FLAG`` responses (none included) has no flags.
    """
    if stats.responses < MIN_RESPONSES_TO_FLAG:
        return []
    flags = []
    if stats.facility is not None and stats.facility < TOO_HARD:
        flags.append("too-hard")
    if stats.facility is not None and stats.facility > TOO_EASY:
        flags.append("too-easy")
    if stats.discrimination is not None and stats.discrimination < LOW_DISCRIMINATION:
        flags.append("low-discrimination")
    flags += [
        f"unused-distractor:{option.option}"
        for option in stats.options
        if not option.correct and option.count == 0
    ]
    return flags


# Running sums -------------------------------------------------------------------------------
#
# The same statistics, kept as sums that grow by one attempt at a time (see
# ``course/quizzes/itemsums.py``), so the report reads a row per question instead of every
# attempt. Pearson's r from sums: r = Sxy / sqrt(Sxx * Syy) with Sxy = Σxy - ΣxΣy/n and so on.


@dataclass
class ItemSums:
    """Sums over the graded answers to one item (see ``QuizItemSums``)."""

    responses: int = 0
    score_sum: float = 0.0
    paired: int = 0
    paired_score_sum: float = 0.0
    paired_score_squares: float = 0.0
    rest_sum: float = 0.0
    rest_squares: float = 0.0
    products: float = 0.0

    def add(self, other: ItemSums) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def contributions(scores: dict[str, float]) -> dict[str, ItemSums]:
    """What one attempt adds to each item's sums, from its graded item scores."""
    total, count = sum(scores.values()), len(scores)
    out = {}
    for item, score in scores.items():
        sums = ItemSums(responses=1, score_sum=score)
        if count > 1:
            rest = (total - score) / (count - 1)
            sums.paired = 1
            sums.paired_score_sum = score
            sums.paired_score_squares = score * score
            sums.rest_sum = rest
            sums.rest_squares = rest * rest
            sums.products = score * rest
        out[item] = sums
    return out


def _centred(squares: float, total: float, n: int) -> float:
    value = squares - total * total / n
    # Sums of floats carry rounding error proportional to their size: a series that does not
    # vary leaves a few ulps of its sum of squares, which must not count as variation.
    return 0.0 if value <= 1e-12 + 1e-9 * abs(squares) else value


def statistics_from_sums(
    item: str,
    sums: ItemSums,
    options: list[tuple[str, bool]] | None = None,
    picks: dict[str, int] | None = None,
) -> ItemStatistics:
    """:class:`ItemStatistics` of one item from its sums and its options' pick counts."""
    n = sums.responses
    facility = sums.score_sum / n if n else None
    discrimination = None
    m = sums.paired
    if m >= MIN_ATTEMPTS:
        sxx = _centred(sums.paired_score_squares, sums.paired_score_sum, m)
        syy = _centred(sums.rest_squares, sums.rest_sum, m)
        if sxx > 0 and syy > 0:
            sxy = sums.products - sums.paired_score_sum * sums.rest_sum / m
            discrimination = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    stats = ItemStatistics(item, n, facility, discrimination)
    if options:
        picks = picks or {}
        stats.options = [
            OptionCount(
                option, correct, picks.get(option, 0), picks.get(option, 0) / n if n else 0.0
            )
            for option, correct in options
        ]
    stats.flags = flags_for(stats)
    return stats


def choice_options(question: dict | None) -> list[tuple[str, bool]]:
    """``(option id, is correct)`` of a choice question in the author's order; [] otherwise."""
    if not question:
        return []
    if question["type"] in ("single", "multiple"):
        return [(o["id"], bool(o["correct"])) for o in question["options"]]
    if question["type"] == "true_false":
        return [("true", question["answer"] is True), ("false", question["answer"] is False)]
    return []


def picked_options(question: dict | None, entry: object) -> tuple[str, ...]:
    """The option ids a stored entry picked, for a choice question."""
    if not question or entry is None:
        return ()
    if question["type"] in ("single", "true_false") and isinstance(entry, str):
        return (entry,)
    if question["type"] == "multiple" and isinstance(entry, list):
        return tuple(str(value) for value in entry)
    return ()
