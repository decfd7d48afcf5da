"""What the trainee's browser may see of a question, and how their entries map back to the key.

Before submission a page shows only ``public_question``: text, option texts and opaque names.
Every question, option, matching item and ordering item is named by a per-attempt token
(``tokens.py``), never by its authored id; nothing here carries ``correct``, ``credit``,
``feedback``, ``answer``, ``accept``, ``pattern`` or the pairing. The server keeps entries in its
own terms (option ids; display positions for matching and ordering), which ``canonical_response``
translates for grading.
"""

from __future__ import annotations

from course.quizzes.tokens import QuestionTokens


def public_question(
    question: dict, arrangement: dict, locale: str, number: int, names: QuestionTokens
) -> dict:
    """The parts of ``question`` the trainee needs to answer it, in display order, in ``locale``,
    each named by its token in ``names``."""
    kind = question["type"]
    view = {
        "number": number,
        "name": names.name,
        "type": kind,
        "points": question["points"],
        "text_html": question["text_html"][locale],
    }
    if kind in ("single", "multiple"):
        by_id = {option["id"]: option for option in question["options"]}
        view["options"] = [
            {"value": value, "text": by_id[oid]["text"][locale]}
            for oid, value in zip(arrangement["options"], names.items, strict=True)
        ]
    elif kind == "matching":
        rights = _right_items(question)
        view["left"] = [
            {"name": value, "text": question["pairs"][index]["left"][locale]}
            for index, value in zip(arrangement["left"], names.items, strict=True)
        ]
        view["right"] = [
            {"value": value, "text": rights[index][locale]}
            for index, value in zip(arrangement["right"], names.rights, strict=True)
        ]
    elif kind == "ordering":
        by_id = {item["id"]: item for item in question["items"]}
        view["items"] = [
            {"name": value, "text": by_id[item_id]["text"][locale]}
            for item_id, value in zip(arrangement["items"], names.items, strict=True)
        ]
    elif kind == "numeric":
        view["unit"] = question.get("unit")
    elif kind == "essay":
        view["min_words"] = question.get("min_words")
    return view


def clean_entry(question: dict, arrangement: dict, raw: object) -> object:
    """Keep only a well-formed entry (as the trainee made it, in display terms); junk is None."""
    kind = question["type"]
    if kind == "single":
        return raw if isinstance(raw, str) and raw in arrangement["options"] else None
    if kind == "multiple":
        values = raw if isinstance(raw, list) else []
        return sorted({v for v in values if isinstance(v, str) and v in arrangement["options"]})
    if kind == "true_false":
        return raw if raw in ("true", "false") else None
    if kind in ("short", "numeric", "essay"):
        return raw[:20000] if isinstance(raw, str) else None
    if kind in ("matching", "ordering"):
        size = len(arrangement["left"] if kind == "matching" else arrangement["items"])
        limit = len(arrangement["right"]) if kind == "matching" else size
        entries = raw if isinstance(raw, dict) else {}
        kept = {}
        for key, value in entries.items():
            position, choice = _as_int(key), _as_int(value)
            low = 0 if kind == "matching" else 1
            if (
                position is not None
                and 0 <= position < size
                and choice is not None
                and low <= choice <= limit - (1 - low)
            ):
                kept[str(position)] = choice
        return kept
    return None


def canonical_response(question: dict, arrangement: dict, entry: object) -> object:
    """Translate a cleaned entry (display terms) into the canonical response ``grading`` reads."""
    kind = question["type"]
    if entry is None:
        return None
    if kind == "true_false":
        return entry == "true"
    if kind == "matching":
        return {
            str(arrangement["left"][int(pos)]): arrangement["right"][choice]
            for pos, choice in entry.items()
        }
    if kind == "ordering":
        ranked = sorted(entry.items(), key=lambda kv: (kv[1], int(kv[0])))
        return [arrangement["items"][int(pos)] for pos, _ in ranked]
    return entry


def answer_key(question: dict, locale: str) -> list[str]:
    """The right answer in words, for a review that shows answers."""
    kind = question["type"]
    if kind in ("single", "multiple"):
        return [o["text"][locale] for o in question["options"] if o["correct"]]
    if kind == "true_false":
        return ["true" if question["answer"] else "false"]
    if kind == "short":
        return [entry["answer"] for entry in question["accept"] if entry["credit"] >= 1]
    if kind == "matching":
        return [f"{pair['left'][locale]} → {pair['right'][locale]}" for pair in question["pairs"]]
    if kind == "ordering":
        return [item["text"][locale] for item in question["items"]]
    if kind == "numeric":
        unit = f" {question['unit']}" if question.get("unit") else ""
        return [
            _numeric_text(answer) + unit for answer in question["answers"] if answer["credit"] >= 1
        ]
    return []


def _numeric_text(answer: dict) -> str:
    if answer["range"] is not None:
        return f"{_num(answer['range'][0])}–{_num(answer['range'][1])}"
    if answer["tolerance"]:
        return f"{_num(answer['value'])} ± {_num(answer['tolerance'])}"
    return _num(answer["value"])


def _num(value: float) -> str:
    return f"{value:g}"


def _right_items(question: dict) -> list[dict]:
    return [pair["right"] for pair in question["pairs"]] + list(question["distractors"])


def _as_int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
