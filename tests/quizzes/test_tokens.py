"""Opaque per-attempt tokens: distinct per attempt, and translated both ways without loss."""

from course.quizzes.draw import arrange
from course.quizzes.formats import parse_quiz
from course.quizzes.tokens import TOKEN_LENGTH, attempt_key, from_browser, paper_tokens, to_browser
from tests.quizzes.samples import EVERY_TYPE, LOCALES

QUIZ, _ = parse_quiz(EVERY_TYPE, "quizzes/stc/background.yaml", LOCALES)


def paper(seed):
    return [(q, arrange(q, seed, True)) for q in QUIZ["questions"]]


def test_tokens_differ_between_attempts_secrets_and_seeds():
    one = paper_tokens(attempt_key("secret", 1, 7), paper(7))
    again = paper_tokens(attempt_key("secret", 1, 7), paper(7))
    assert one == again  # the same attempt always gets the same names (reloads, autosave)
    others = [
        paper_tokens(attempt_key("secret", 2, 7), paper(7)),
        paper_tokens(attempt_key("secret", 1, 8), paper(8)),
        paper_tokens(attempt_key("other-secret", 1, 7), paper(7)),
    ]
    mine = set(one.by_name) | {t for q in one.questions.values() for t in q.items + q.rights}
    assert len(mine) == len(one.by_name) + sum(
        len(q.items) + len(q.rights) for q in one.questions.values()
    )
    for other in others:
        theirs = set(other.by_name) | {
            t for q in other.questions.values() for t in q.items + q.rights
        }
        assert not mine & theirs
    assert all(len(t) == TOKEN_LENGTH and t.isalnum() for t in mine)


def test_entries_round_trip_through_tokens_and_unknown_tokens_are_dropped():
    arranged = paper(3)
    names = paper_tokens(attempt_key("secret", 5, 3), arranged)
    by_type = {q["type"]: (q, a, names.questions[q["id"]]) for q, a in arranged}
    stored = {
        "single": "b",
        "multiple": ["a", "c"],
        "matching": {"0": 2, "1": 0},
        "ordering": {"0": 3, "1": 1, "2": 2},
        "short": "teamwork",
    }
    for kind, entry in stored.items():
        question, arrangement, tokens = by_type[kind]
        shown = to_browser(question, arrangement, tokens, entry)
        assert from_browser(question, arrangement, tokens, shown) == entry
        assert names.question_id(tokens.name) == question["id"]
    question, arrangement, tokens = by_type["single"]
    assert from_browser(question, arrangement, tokens, "b") is None  # an authored id means nothing
    question, arrangement, tokens = by_type["matching"]
    assert from_browser(question, arrangement, tokens, {"0": "1", tokens.items[0]: "x"}) == {}
    assert names.question_id("q-single") is None
