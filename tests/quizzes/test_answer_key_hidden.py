"""The answer key is not in the page: over 200 attempts of the flagship course's final exam, what
a trainee's browser sees (every value of every page) carries no authored id, no token recurs as
the key, and answering every question with the same position or the same value scores at chance.

The attempts are real (``start_attempt``), their pages are the data the attempt template renders
(``pages.attempt_page``), and the strategies' answers go back through the form reader
(``pages.answers_from_form``), scored the way submitting scores them.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from course.accounts.models import User
from course.quizzes import pages, service
from course.quizzes.grading import grade, total_score
from course.quizzes.paper import canonical_response, clean_entry
from tests.conftest import SECRET
from tests.quizzes.conftest import NOW

FLAGSHIP = Path(__file__).resolve().parents[2] / "content" / "service-team-collaboration"
ATTEMPTS = 200
TOKENISED = ("single", "multiple", "matching", "ordering")


@pytest.fixture
def exam_attempts(db_session):
    """200 attempts of the flagship's final exam, one per trainee, with their page data."""
    from course.catalog.service import import_package
    from course.progress.service import enrol

    result = import_package(db_session, None, FLAGSHIP, NOW)
    assert result.ok, result.problems
    attempts = []
    for number in range(ATTEMPTS):
        user = User(email=f"exam{number}@example.com", display_name=f"E{number}", password_hash="x")
        db_session.add(user)
        db_session.flush()
        enrol(db_session, user, result.course, NOW)
        attempts.append(service.start_attempt(db_session, user, result.course, "final-exam", NOW))
    db_session.commit()
    return result.course, attempts


def _views(db_session, course, attempt) -> list[dict]:
    """Every question of the attempt as its pages show it (one question per page)."""
    first = pages.attempt_page(db_session, attempt, course, "zh-CN", 1, NOW, SECRET)
    views = list(first.questions)
    for number in range(2, first.pages + 1):
        page = pages.attempt_page(db_session, attempt, course, "zh-CN", number, NOW, SECRET)
        views.extend(page.questions)
    return views


def _fields(view: dict, choose) -> list[tuple[str, str]]:
    """The form fields a browser posts for ``view`` when ``choose(values)`` picks each value."""
    name = f"q-{view['name']}"
    fields = [("present", view["name"])]
    if view["type"] in ("single", "multiple"):
        fields.append((name, choose([option["value"] for option in view["options"]])))
    elif view["type"] == "matching":
        rights = [item["value"] for item in view["right"]]
        fields += [(f"{name}-{left['name']}", choose(rights)) for left in view["left"]]
    elif view["type"] == "ordering":
        ranks = [str(rank) for rank in range(1, len(view["items"]) + 1)]
        fields += [(f"{name}-{item['name']}", choose(ranks)) for item in view["items"]]
    return fields


def _at(position: int):
    """A strategy: always the value at ``position`` (wrapping round short lists)."""
    return lambda values: values[position % len(values)]


def _score(db_session, attempt, fields) -> float:
    """The attempt's score for these form fields, graded as submitting grades."""
    given = pages.answers_from_form(db_session, attempt, MultiDict(fields), SECRET)
    parts = []
    for question, arrangement in service.paper_of(db_session, attempt):
        if question["type"] not in TOKENISED:
            continue
        entry = clean_entry(question, arrangement, given.entries.get(question["id"]))
        outcome = grade(question, canonical_response(question, arrangement, entry))
        parts.append((question["points"], outcome.score or 0.0))
    return total_score(parts)


def test_no_authored_id_reaches_the_page_and_no_token_recurs_as_the_key(db_session, exam_attempts):
    course, attempts = exam_attempts
    key_tokens: Counter = Counter()
    every_token: Counter = Counter()
    authored = set()
    for attempt in attempts:
        paper = dict((q["id"], (q, a)) for q, a in service.paper_of(db_session, attempt))
        names = service.tokens_of(db_session, attempt, SECRET)
        for view in _views(db_session, course, attempt):
            qid = names.question_id(view["name"])
            question, arrangement = paper[qid]
            tokens = names.questions[qid]
            authored.add(qid)
            values = [view["name"]]
            if view["type"] in ("single", "multiple"):
                values += [option["value"] for option in view["options"]]
                authored.update(option["id"] for option in question["options"])
                key_tokens.update(
                    tokens.items[arrangement["options"].index(option["id"])]
                    for option in question["options"]
                    if option["correct"]
                )
            elif view["type"] == "matching":
                values += [item["name"] for item in view["left"]]
                values += [item["value"] for item in view["right"]]
                key_tokens.update(
                    tokens.rights[arrangement["right"].index(index)]
                    for index in range(len(question["pairs"]))
                )
            elif view["type"] == "ordering":
                values += [item["name"] for item in view["items"]]
                authored.update(item["id"] for item in question["items"])
                first = question["items"][0]["id"]
                key_tokens[tokens.items[arrangement["items"].index(first)]] += 1
            assert "id" not in view and "position" not in str(view)
            every_token.update(values)
    assert len(key_tokens) > 20 * ATTEMPTS // 2
    # 48-bit tokens drawn afresh for every attempt: a repeat at all is a one-in-millions event.
    assert key_tokens.most_common(1)[0][1] == 1
    assert every_token.most_common(1)[0][1] == 1
    assert not authored & set(every_token)


def _the_same_position_or_value_everywhere_scores_at_chance(db_session, course, attempts):
    rng = random.Random(13)
    strategies = {f"position {p}": _at(p) for p in range(4)}
    strategies["last position"] = lambda values: values[-1]
    guesses, scores = [], {name: [] for name in strategies}
    fixed = {"authored a": "a", "a token from another attempt": None}
    scores.update({name: [] for name in fixed})
    for attempt in attempts:
        views = _views(db_session, course, attempt)
        guesses.append(
            _score(db_session, attempt, [f for v in views for f in _fields(v, rng.choice)])
        )
        for name, choose in strategies.items():
            fields = [f for v in views for f in _fields(v, choose)]
            scores[name].append(_score(db_session, attempt, fields))
        if fixed["a token from another attempt"] is None:
            fixed["a token from another attempt"] = views[0]["name"]
            continue
        for name, value in fixed.items():
            fields = [f for v in views for f in _fields(v, lambda _values, value=value: value)]
            scores[name].append(_score(db_session, attempt, fields))
    chance = statistics.mean(guesses)
    assert 0.1 < chance < 0.6
    for name, values in scores.items():
        mean = statistics.mean(values)
        # The standard error of a mean over 200 attempts of ~15 questions is about 0.02.
        assert mean <= chance + 0.08, (name, mean, chance)
        if name.startswith(("position", "last")):
            assert mean >= chance - 0.2, (name, mean, chance)
        assert sum(score >= 0.7 for score in values) <= max(3, 3 * sum(g >= 0.7 for g in guesses))
