"""The review policy decides what a submitted attempt shows."""

from course.quizzes.draw import arrange
from course.quizzes.formats import parse_quiz
from course.quizzes.review import describe_entry, review_items, shows_answers
from tests.quizzes.samples import EVERY_TYPE, LOCALES

QUIZ, _ = parse_quiz(EVERY_TYPE, "quizzes/stc/background.yaml", LOCALES)
PAPER = [(q, arrange(q, 7, True)) for q in QUIZ["questions"][:2]]
RESPONSES = {"q-single": "c", "q-multiple": ["a"]}
RESULTS = {
    "q-single": {"score": 0.5, "feedback": []},
    "q-multiple": {"score": 0.5, "feedback": [{"zh-CN": "好", "en": "Good"}]},
}
EVERYTHING = {"score": True, "correctness": True, "feedback": True, "answers": "always"}


def test_everything_shown():
    first, second = review_items(PAPER, RESPONSES, RESULTS, EVERYTHING, False, "en")
    assert first["given"] == ["Director"] and first["earned"] == 0.5 and first["points"] == 1
    assert first["verdict"] == "partly" and first["answer"] == ["Reception"]
    assert first["general_feedback_html"].startswith("<p>The reception post")
    assert second["feedback"] == ["Good"]


def test_nothing_but_the_answer_given():
    policy = {"score": False, "correctness": False, "feedback": False, "answers": "never"}
    item = review_items(PAPER, RESPONSES, RESULTS, policy, True, "zh-CN")[0]
    assert item["given"] == ["主任"]
    assert not {"earned", "verdict", "feedback", "answer", "general_feedback_html"} & set(item)


def test_answers_after_a_pass_only():
    policy = dict(EVERYTHING, answers="after_pass")
    assert not shows_answers(policy, False) and not shows_answers(policy, None)
    assert shows_answers(policy, True)
    assert "answer" not in review_items(PAPER, RESPONSES, RESULTS, policy, False, "en")[0]


def test_matching_and_ordering_entries_read_in_words():
    matching, ordering = QUIZ["questions"][4], QUIZ["questions"][5]
    arrangement = {"left": [1, 0], "right": [2, 0, 1]}
    lines = describe_entry(matching, arrangement, {"0": 2, "1": 0}, "en")
    assert lines == ["Trello → Printing forms", "WeChat → Instant messages"]
    steps = describe_entry(
        ordering, {"items": ["act", "greet", "listen"]}, {"0": 3, "1": 1, "2": 2}, "en"
    )
    assert steps == ["Greet", "Listen", "Act"]
    assert describe_entry(matching, arrangement, {}, "en") == []
