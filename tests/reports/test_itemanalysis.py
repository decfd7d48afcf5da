"""Item analysis against an example worked out by hand."""

import math

import pytest

from course.reports.itemanalysis import (
    MIN_RESPONSES_TO_FLAG,
    ItemResponse,
    ItemStatistics,
    analyse,
    flags_for,
    pearson,
)

# Five attempts at a fixed four-question quiz, scored 0/1:
#
#   attempt  q1 q2 q3 q4   q2 picked
#   A         1  1  1  1   a
#   B         1  1  0  1   a
#   C         1  0  0  1   b
#   D         0  1  0  1   a
#   E         0  0  0  1   b
#
# Rest score = mean of the attempt's other items. q4 is right for everyone, which adds the same
# 1/3 to every rest score and so leaves the correlations below unchanged.
#
# q1: x = 1 1 1 0 0 (mean .6); rest ∝ q2+q3 = 2 1 0 1 0 (mean .8)
#     dx = .4 .4 .4 -.6 -.6; dy = 1.2 .2 -.8 .2 -.8
#     Sxy = .48 + .08 - .32 - .12 + .48 = .60; Sxx = 1.2; Syy = 1.44+.04+.64+.04+.64 = 2.8
#     r = .6 / sqrt(1.2 * 2.8) = .6 / 1.8330 = 0.32733
# q2: x = 1 1 0 1 0; rest ∝ q1+q3 = 2 1 1 0 0 -> by the same sums r = 0.32733
# q3: x = 1 0 0 0 0 (mean .2); rest ∝ q1+q2 = 2 2 1 1 0 (mean 1.2)
#     dx = .8 -.2 -.2 -.2 -.2; dy = .8 .8 -.2 -.2 -1.2
#     Sxy = .64 - .16 + .04 + .04 + .24 = .80; Sxx = .8; Syy = .64+.64+.04+.04+1.44 = 2.8
#     r = .8 / sqrt(.8 * 2.8) = .8 / 1.4967 = 0.53452
# q4: constant -> discrimination undefined.
TABLE = {
    "A": (1, 1, 1, 1, "a"),
    "B": (1, 1, 0, 1, "a"),
    "C": (1, 0, 0, 1, "b"),
    "D": (0, 1, 0, 1, "a"),
    "E": (0, 0, 0, 1, "b"),
}
Q2_OPTIONS = [("a", True), ("b", False), ("c", False), ("d", False)]


def responses(copies: int = 1):
    """The table's attempts, ``copies`` times over: repeating a data set leaves its means and
    correlations unchanged, so four copies (20 attempts) are judged like the hand example."""
    for copy in range(copies):
        for attempt, (q1, q2, q3, q4, picked) in TABLE.items():
            yield ItemResponse((copy, attempt), "q1", q1)
            yield ItemResponse((copy, attempt), "q2", q2, (picked,))
            yield ItemResponse((copy, attempt), "q3", q3)
            yield ItemResponse((copy, attempt), "q4", q4)


@pytest.fixture
def stats():
    result = analyse(responses(), {"q2": Q2_OPTIONS}, order=["q1", "q2", "q3", "q4"])
    return {s.item: s for s in result}


def test_facility_is_the_mean_item_score(stats):
    assert [stats[q].facility for q in ("q1", "q2", "q3", "q4")] == [0.6, 0.6, 0.2, 1.0]
    assert all(s.responses == 5 for s in stats.values())


def test_discrimination_matches_the_hand_computed_point_biserial(stats):
    assert stats["q1"].discrimination == pytest.approx(0.32733, abs=1e-5)
    assert stats["q2"].discrimination == pytest.approx(0.32733, abs=1e-5)
    assert stats["q3"].discrimination == pytest.approx(0.53452, abs=1e-5)
    assert stats["q4"].discrimination is None


def test_distractor_counts_include_options_nobody_picked(stats):
    counted = [(o.option, o.correct, o.count, o.share) for o in stats["q2"].options]
    assert counted == [
        ("a", True, 3, 0.6),
        ("b", False, 2, 0.4),
        ("c", False, 0, 0.0),
        ("d", False, 0, 0.0),
    ]


def test_flags():
    result = analyse(responses(4), {"q2": Q2_OPTIONS}, order=["q1", "q2", "q3", "q4"])
    stats = {s.item: s for s in result}
    assert stats["q1"].discrimination == pytest.approx(0.32733, abs=1e-5)
    assert not any(s.too_few_attempts for s in result)
    assert stats["q1"].flags == []
    assert stats["q2"].flags == ["unused-distractor:c", "unused-distractor:d"]
    assert stats["q3"].flags == []  # 0.2 is not below the 0.2 threshold
    assert stats["q4"].flags == ["too-easy"]


def test_five_attempts_are_too_few_to_flag_anything(stats):
    assert MIN_RESPONSES_TO_FLAG == 20
    assert all(s.flags == [] and s.too_few_attempts for s in stats.values())
    assert stats["q4"].facility == 1.0  # the figures are still there


def test_flags_start_at_the_minimum_number_of_responses():
    assert flags_for(ItemStatistics("q", MIN_RESPONSES_TO_FLAG - 1, 1.0, None)) == []
    assert ItemStatistics("q", MIN_RESPONSES_TO_FLAG - 1, 1.0, None).too_few_attempts
    assert flags_for(ItemStatistics("q", MIN_RESPONSES_TO_FLAG, 1.0, None)) == ["too-easy"]
    assert not ItemStatistics("q", MIN_RESPONSES_TO_FLAG, 1.0, None).too_few_attempts


def test_an_item_the_weaker_trainees_get_right_is_flagged():
    # q2 is answered right exactly by those who fail q1 and q3.
    rows = {"A": (1, 0, 1), "B": (1, 0, 1), "C": (0, 1, 0), "D": (0, 1, 0), "E": (1, 1, 0)}
    answers = [
        ItemResponse((copy, attempt), f"q{i + 1}", score)
        for copy in range(4)
        for attempt, scores in rows.items()
        for i, score in enumerate(scores)
    ]
    q2 = {s.item: s for s in analyse(answers)}["q2"]
    assert q2.discrimination is not None and q2.discrimination < 0
    assert "low-discrimination" in q2.flags


def test_rest_score_is_a_mean_so_random_draws_compare():
    # Attempts drew different questions; each rest score is the mean of what that attempt had.
    answers = [
        ItemResponse(1, "x", 1.0), ItemResponse(1, "y", 1.0), ItemResponse(1, "z", 0.5),
        ItemResponse(2, "x", 0.0), ItemResponse(2, "y", 0.0),
        ItemResponse(3, "x", 1.0), ItemResponse(3, "z", 1.0),
        ItemResponse(4, "x", 0.0), ItemResponse(4, "z", 0.0),
    ]  # fmt: skip
    x = {s.item: s for s in analyse(answers)}["x"]
    # rest for x: attempt 1 (1 + .5) / 2 = .75, attempt 2 0, attempt 3 1, attempt 4 0
    assert x.discrimination == pytest.approx(pearson([1, 0, 1, 0], [0.75, 0, 1, 0]))
    assert x.facility == 0.5


def test_too_few_attempts_leave_discrimination_undefined():
    answers = [ItemResponse(1, "a", 1), ItemResponse(1, "b", 1), ItemResponse(2, "a", 0),
               ItemResponse(2, "b", 0)]  # fmt: skip
    assert all(s.discrimination is None for s in analyse(answers))


def test_unanswered_item_in_order_has_no_statistics_and_no_flags():
    [stats] = analyse([], {"q": [("a", True), ("b", False)]}, order=["q"])
    assert (stats.responses, stats.facility, stats.discrimination) == (0, None, None)
    assert stats.flags == [] and not stats.too_few_attempts


def test_too_hard_flag():
    stats = ItemStatistics("q", 25, 0.1, 0.4)
    assert flags_for(stats) == ["too-hard"]


def test_pearson_known_value():
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert pearson([1, 1, 1], [1, 2, 3]) is None
    assert math.isclose(pearson([1, 0, 1, 0], [1, 1, 0, 0]), 0.0, abs_tol=1e-12)
