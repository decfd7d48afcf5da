"""The paper of one attempt: which questions, in which order, with options in which order.

Everything is derived from the attempt's stored seed, so the same seed always gives the same paper
(after a reload, on another device, when grading) without storing the paper itself.
"""

from __future__ import annotations

import random


class DrawError(ValueError):
    """The bank cannot satisfy a draw rule."""


def select_questions(quiz: dict, bank: dict | None, seed: int) -> list[dict]:
    """The quiz's questions for this seed: its own list, or drawn by tag from the bank.

    A draw rule takes ``count`` questions carrying all of its tags, never one an earlier rule took.
    """
    if quiz.get("draw"):
        if bank is None:
            raise DrawError("the quiz draws from a bank that does not exist")
        rng = random.Random(f"{seed}:draw")
        chosen: list[dict] = []
        taken: set[str] = set()
        for rule in quiz["draw"]["rules"]:
            wanted = set(rule["tags"])
            pool = [
                q for q in bank["questions"] if q["id"] not in taken and wanted <= set(q["tags"])
            ]
            if len(pool) < rule["count"]:
                tags = ", ".join(rule["tags"])
                raise DrawError(
                    f"the bank has {len(pool)} questions tagged {tags}, "
                    f"the draw needs {rule['count']}"
                )
            picked = rng.sample(sorted(pool, key=lambda q: q["id"]), rule["count"])
            chosen.extend(picked)
            taken.update(q["id"] for q in picked)
    else:
        chosen = list(quiz["questions"])
    if quiz.get("shuffle_questions"):
        random.Random(f"{seed}:order").shuffle(chosen)
    return chosen


def arrange(question: dict, seed: int, shuffle_options: bool) -> dict:
    """How one question is shown in this attempt, as positions into its canonical lists.

    - single/multiple: ``options`` lists option ids in display order;
    - matching: ``left`` and ``right`` list canonical indexes in display order (right-hand items
      are always shuffled, or the layout would give the pairing away);
    - ordering: ``items`` lists item ids in display order, never the correct order.
    """
    rng = random.Random(f"{seed}:{question['id']}")
    kind = question["type"]
    if kind in ("single", "multiple"):
        ids = [option["id"] for option in question["options"]]
        if shuffle_options:
            rng.shuffle(ids)
        return {"options": ids}
    if kind == "matching":
        left = list(range(len(question["pairs"])))
        right = list(range(len(question["pairs"]) + len(question["distractors"])))
        if shuffle_options:
            rng.shuffle(left)
        _shuffle_away_from_identity(rng, right)
        return {"left": left, "right": right}
    if kind == "ordering":
        ids = [item["id"] for item in question["items"]]
        _shuffle_away_from_identity(rng, ids)
        return {"items": ids}
    return {}


def _shuffle_away_from_identity(rng: random.Random, values: list) -> None:
    original = list(values)
    rng.shuffle(values)
    if values == original and len(values) > 1:
        values.append(values.pop(0))
