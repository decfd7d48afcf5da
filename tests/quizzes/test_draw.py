"""The paper of an attempt: seeded draws and arrangements, and what the browser may see."""

import json

import pytest

from course.quizzes.draw import DrawError, arrange, select_questions
from course.quizzes.formats import parse_quiz
from course.quizzes.paper import answer_key, canonical_response, clean_entry, public_question
from course.quizzes.tokens import attempt_key, paper_tokens
from tests.quizzes.samples import BANK, EVERY_TYPE, EXAM, LOCALES

QUIZ, _ = parse_quiz(EVERY_TYPE, "quizzes/stc/background.yaml", LOCALES)
BANK_QUIZ, _ = parse_quiz(BANK, "quizzes/stc/bank.yaml", LOCALES)
EXAM_QUIZ, _ = parse_quiz(EXAM, "quizzes/stc/final-exam.yaml", LOCALES)


def ids(questions):
    return [question["id"] for question in questions]


def test_same_seed_same_paper_and_rules_are_respected():
    papers = {tuple(ids(select_questions(EXAM_QUIZ, BANK_QUIZ, seed))) for seed in range(40)}
    assert len(papers) > 10
    for seed in (1, 2, 3):
        paper = select_questions(EXAM_QUIZ, BANK_QUIZ, seed)
        assert ids(paper) == ids(select_questions(EXAM_QUIZ, BANK_QUIZ, seed))
        assert len(set(ids(paper))) == 5
        assert (
            sum("m1" in q["tags"] for q in paper) == 3
            and sum("m2" in q["tags"] for q in paper) == 2
        )


def test_a_rule_the_bank_cannot_meet_is_an_error():
    greedy = dict(EXAM_QUIZ, draw={"bank": "bank", "rules": [{"tags": ["m1"], "count": 6}]})
    with pytest.raises(DrawError, match="has 5 questions tagged m1"):
        select_questions(greedy, BANK_QUIZ, 1)
    with pytest.raises(DrawError):
        select_questions(EXAM_QUIZ, None, 1)


def test_own_questions_keep_their_order_unless_shuffled():
    assert ids(select_questions(QUIZ, None, 5)) == ids(QUIZ["questions"])
    shuffled = dict(QUIZ, shuffle_questions=True)
    orders = {tuple(ids(select_questions(shuffled, None, seed))) for seed in range(10)}
    assert len(orders) > 1


def test_arrangements_are_fixed_per_seed_and_never_give_away_an_order():
    by_type = {q["type"]: q for q in QUIZ["questions"]}
    for seed in range(50):
        assert arrange(by_type["single"], seed, True) == arrange(by_type["single"], seed, True)
        assert arrange(by_type["ordering"], seed, False)["items"] != ["greet", "listen", "act"]
        assert arrange(by_type["matching"], seed, False)["right"] != [0, 1, 2]
    assert arrange(by_type["single"], 3, False)["options"] == ["a", "b", "c"]


def test_public_questions_carry_no_key_correctness_or_feedback():
    for seed in range(5):
        paper = [(q, arrange(q, seed, True)) for q in QUIZ["questions"]]
        names = paper_tokens(attempt_key("secret", seed + 1, seed), paper)
        views = [
            public_question(q, arrangement, locale, n, names.questions[q["id"]])
            for n, (q, arrangement) in enumerate(paper, start=1)
            for locale in LOCALES
        ]
        dumped = json.dumps(views, ensure_ascii=False)
        authored = {q["id"] for q in QUIZ["questions"]} | {"greet", "listen", "act"}
        authored |= {"a", "b", "c", "d"}
        assert not [name for name in authored if f'"{name}"' in dumped]
        assert '"position"' not in dumped
        for secret in (
            '"correct"',
            '"credit"',
            '"feedback',
            '"answer"',
            '"accept"',
            "teamwork",
            "Right",
            "Almost",
            '"pairs"',
        ):
            assert secret not in dumped
    arrangement = {"options": ["c", "a", "b"]}
    names = paper_tokens(b"k", [(QUIZ["questions"][0], arrangement)])
    single = public_question(
        QUIZ["questions"][0], arrangement, "zh-CN", 1, names.questions["q-single"]
    )
    assert [o["text"] for o in single["options"]] == ["主任", "接待岗", "后台"]
    assert [o["value"] for o in single["options"]] == list(names.questions["q-single"].items)


def test_entries_are_cleaned_and_translated_to_the_key():
    matching = QUIZ["questions"][4]
    arrangement = {"left": [1, 0], "right": [2, 0, 1]}
    entry = clean_entry(matching, arrangement, {"0": 2, "1": 1, "5": 0, "x": 1, "0b": "y"})
    assert entry == {"0": 2, "1": 1}
    assert canonical_response(matching, arrangement, entry) == {"1": 1, "0": 0}
    ordering = QUIZ["questions"][5]
    arrangement = {"items": ["act", "greet", "listen"]}
    entry = clean_entry(ordering, arrangement, {"0": 3, "1": 1, "2": 2, "3": 1})
    assert canonical_response(ordering, arrangement, entry) == ["greet", "listen", "act"]
    assert clean_entry(QUIZ["questions"][0], {"options": ["a", "b", "c"]}, "z") is None
    assert clean_entry(QUIZ["questions"][1], {"options": ["a", "b"]}, ["b", "a", "b", 3]) == [
        "a",
        "b",
    ]
    assert canonical_response(QUIZ["questions"][2], {}, "false") is False


def test_answer_key_in_words():
    assert answer_key(QUIZ["questions"][0], "en") == ["Reception"]
    assert answer_key(QUIZ["questions"][6], "en") == ["30 ± 1 %"]
    assert answer_key(QUIZ["questions"][4], "en") == [
        "Trello → Tracking tasks",
        "WeChat → Instant messages",
    ]
