"""Grading rules per question type, and their properties under random answers and shuffles."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.quizzes.draw import arrange
from course.quizzes.formats import parse_quiz
from course.quizzes.grading import essay_score, fold, grade, parse_number, total_score
from course.quizzes.paper import canonical_response, clean_entry
from tests.quizzes.samples import EVERY_TYPE, LOCALES

QUIZ, _ = parse_quiz(EVERY_TYPE, "quizzes/stc/background.yaml", LOCALES)
Q = {question["type"]: question for question in QUIZ["questions"]}


def score(kind, response):
    return grade(Q[kind], response).score


def test_single_choice_scores_the_key_and_partial_credit():
    assert score("single", "a") == 1.0
    assert score("single", "b") == 0.0
    assert score("single", "c") == 0.5
    assert score("single", None) == 0.0
    assert grade(Q["single"], "a").feedback == ({"zh-CN": "Right", "en": "Right"},)


@pytest.mark.parametrize(
    ("picks", "expected"),
    [
        (["a", "b"], 1.0),
        (["a"], 0.5),
        (["a", "c"], 0.0),
        (["a", "b", "c"], 0.5),
        (["c", "d"], 0.0),
        ([], 0.0),
    ],
)
def test_multiple_response_wrong_picks_cost_never_below_zero(picks, expected):
    assert score("multiple", picks) == expected


def test_true_false_and_its_feedback():
    assert score("true_false", True) == 1.0
    assert score("true_false", False) == 0.0
    assert score("true_false", None) == 0.0
    assert grade(Q["true_false"], False).feedback[0]["en"] == "Clear roles do avoid overlap."


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("团队协作", 1.0),
        ("团队 协作", 1.0),
        ("ＴＥＡＭＷＯＲＫ", 1.0),
        (" Team Work ", 1.0),
        ("team", 0.5),
        ("teams", 0.0),
        ("", 0.0),
    ],
)
def test_short_answer_folds_width_case_and_space(typed, expected):
    assert score("short", typed) == expected


def test_short_answer_pattern():
    question = dict(Q["short"], pattern=r"协作|合作")
    assert grade(question, "合 作").score == 1.0
    assert fold("Ｔｅａｍ　Ｗｏｒｋ") == "teamwork"


def test_matching_counts_each_pair():
    assert score("matching", {"0": 0, "1": 1}) == 1.0
    assert score("matching", {"0": 0, "1": 2}) == 0.5
    assert score("matching", {"0": 1, "1": 0}) == 0.0
    assert score("matching", {}) == 0.0


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        (["greet", "listen", "act"], 1.0),
        (["act", "listen", "greet"], 0.0),
        (["listen", "greet", "act"], 2 / 3),
        (["greet"], 0.0),
    ],
)
def test_ordering_counts_pairs_in_the_right_order(order, expected):
    assert score("ordering", order) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("30", 1.0),
        ("29", 1.0),
        ("31.0", 1.0),
        ("３０%", 1.0),
        ("28.9", 0.0),
        ("thirty", 0.0),
        ("", 0.0),
    ],
)
def test_numeric_tolerance(typed, expected):
    assert score("numeric", typed) == expected


def test_numeric_range_and_partial_answers():
    question = {
        "type": "numeric",
        "unit": None,
        "answers": [
            {"value": None, "tolerance": 0, "range": [25, 35], "credit": 1.0, "feedback": None},
            {
                "value": 40,
                "tolerance": 2,
                "range": None,
                "credit": 0.5,
                "feedback": {"en": "close"},
            },
        ],
    }
    assert grade(question, "25").score == 1.0
    assert grade(question, "41").score == 0.5
    assert grade(question, "41").feedback == ({"en": "close"},)
    assert grade(question, "50").score == 0.0
    assert parse_number("3,5") == 3.5 and parse_number("nan") is None


def test_essay_waits_for_a_person_and_rubric_points_become_a_score():
    assert grade(Q["essay"], "At my counter we ...").pending
    assert score("essay", "   ") == 0.0
    assert essay_score(Q["essay"], {"insight": 2, "action": 1}) == 0.75
    assert essay_score(Q["essay"], {"insight": 9, "action": -3}) == 0.5
    assert essay_score(dict(Q["essay"], rubric=[]), 3) == 0.75


def test_total_score_weights_by_points_and_waits_for_essays():
    assert total_score([(1, 1.0), (3, 0.0)]) == 0.25
    assert total_score([(1, 1.0), (4, None)]) is None
    assert total_score([]) == 0.0


# Property tests: any entry a browser could send, under any seed.

ENTRY = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["a", "b", "c", "d", "true", "false", "30", "团队协作"]),
    st.lists(st.sampled_from(["a", "b", "c", "d", "x"]), max_size=5),
    st.dictionaries(st.sampled_from(["0", "1", "2", "7"]), st.integers(-1, 4), max_size=3),
)


def display_entry(question, arrangement, canonical):
    """The entry a trainee would make, under ``arrangement``, to give ``canonical``."""
    kind = question["type"]
    if kind == "true_false":
        return None if canonical is None else ("true" if canonical else "false")
    if kind == "matching":
        return {
            str(arrangement["left"].index(int(left))): arrangement["right"].index(right)
            for left, right in canonical.items()
        }
    if kind == "ordering":
        return {
            str(arrangement["items"].index(item)): rank
            for rank, item in enumerate(canonical, start=1)
        }
    return canonical


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(sorted(Q)),
    entry=ENTRY,
    seed=st.integers(0, 2**32),
    other=st.integers(0, 2**32),
)
def test_scores_stay_in_range_are_repeatable_and_ignore_shuffling(kind, entry, seed, other):
    question = Q[kind]
    first = arrange(question, seed, shuffle_options=True)
    canonical = canonical_response(question, first, clean_entry(question, first, entry))
    result = grade(question, canonical)
    if kind == "essay" and result.score is None:
        return
    assert 0.0 <= result.score <= 1.0
    assert grade(question, canonical) == result
    second = arrange(question, other, shuffle_options=True)
    again = canonical_response(question, second, display_entry(question, second, canonical))
    assert grade(question, again).score == result.score


@settings(max_examples=200, deadline=None)
@given(
    flags=st.lists(st.booleans(), min_size=2, max_size=8),
    picks=st.lists(st.integers(0, 7)),
    seed=st.integers(),
)
def test_multiple_response_rule_for_any_key(flags, picks, seed):
    flags[0] = True
    question = {
        "type": "multiple",
        "options": [
            {"id": f"o{i}", "correct": flag, "credit": 0.0, "feedback": None}
            for i, flag in enumerate(flags)
        ],
    }
    chosen = [f"o{i}" for i in picks if i < len(flags)]
    value = grade(question, chosen).score
    right = len({c for c in chosen if flags[int(c[1:])]})
    wrong = len({c for c in chosen if not flags[int(c[1:])]})
    assert value == max(0.0, (right - wrong) / sum(flags))
    assert 0.0 <= value <= 1.0
