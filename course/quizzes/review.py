"""What a trainee sees after submitting, as the quiz's review policy allows.

The policy (copied onto the attempt) has four switches: ``score`` (marks per question and in
total), ``correctness`` (right / partly right / wrong), ``feedback`` (per-option and general
feedback) and ``answers`` (``always``, ``after_pass`` or ``never``: the right answers).
"""

from __future__ import annotations

from course.quizzes.paper import answer_key


def shows_answers(policy: dict, passed: bool | None) -> bool:
    """Whether the right answers may be shown for an attempt with this outcome."""
    answers = policy.get("answers", "after_pass")
    return answers == "always" or (answers == "after_pass" and bool(passed))


def review_items(
    paper: list[tuple[dict, dict]],
    responses: dict,
    results: dict,
    policy: dict,
    passed: bool | None,
    locale: str,
) -> list[dict]:
    """One entry per question: its text, the trainee's answer and what the policy allows."""
    items = []
    with_answers = shows_answers(policy, passed)
    for number, (question, arrangement) in enumerate(paper, start=1):
        result = results.get(question["id"], {})
        score = result.get("score")
        item = {
            "number": number,
            "id": question["id"],
            "text_html": question["text_html"][locale],
            "given": describe_entry(question, arrangement, responses.get(question["id"]), locale),
            "pending": score is None,
        }
        if policy.get("score"):
            item["points"] = _tidy(question["points"])
            item["earned"] = None if score is None else _tidy(round(score * question["points"], 2))
        if policy.get("correctness") and score is not None:
            item["verdict"] = "right" if score >= 0.99999 else ("partly" if score > 0 else "wrong")
        if policy.get("feedback"):
            item["feedback"] = [entry[locale] for entry in result.get("feedback", []) if entry]
            if question.get("feedback_html"):
                item["general_feedback_html"] = question["feedback_html"][locale]
        if with_answers:
            item["answer"] = answer_key(question, locale)
        items.append(item)
    return items


def describe_entry(question: dict, arrangement: dict, entry: object, locale: str) -> list[str]:
    """The trainee's entry in words, one line per part (empty when unanswered)."""
    kind = question["type"]
    if entry in (None, "", [], {}):
        return []
    if kind in ("single", "multiple"):
        texts = {option["id"]: option["text"][locale] for option in question["options"]}
        picked = [entry] if kind == "single" else entry
        return [texts[oid] for oid in picked if oid in texts]
    if kind == "true_false":
        return ["true" if entry == "true" else "false"]
    if kind == "matching":
        rights = [pair["right"] for pair in question["pairs"]] + list(question["distractors"])
        lines = []
        in_key_order = sorted(entry.items(), key=lambda kv: arrangement["left"][int(kv[0])])
        for position, choice in in_key_order:
            left = question["pairs"][arrangement["left"][int(position)]]["left"][locale]
            lines.append(f"{left} → {rights[arrangement['right'][choice]][locale]}")
        return lines
    if kind == "ordering":
        texts = {item["id"]: item["text"][locale] for item in question["items"]}
        ranked = sorted(entry.items(), key=lambda kv: (kv[1], int(kv[0])))
        return [texts[arrangement["items"][int(position)]] for position, _ in ranked]
    return [str(entry)]


def _tidy(number: float) -> float | int:
    """2.0 -> 2, so marks read as people write them."""
    return int(number) if float(number).is_integer() else number
