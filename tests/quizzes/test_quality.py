"""Assessment-quality rules for quiz files: each rule fires on a cue and stays quiet without it."""

from __future__ import annotations

import yaml

from course.quizzes.formats import parse_quiz
from course.quizzes.quality import check_quiz_quality
from course.yamlsource import load_yaml

LOCALES = ["zh-CN", "en"]


def single(qid: str, key: str, distractors: list[str], *, key_at: int = 0, text: str = "Which?"):
    options = [{"id": f"o{n}", "text": t} for n, t in enumerate(distractors)]
    options.insert(key_at, {"id": "key", "text": key, "correct": True})
    return {"id": qid, "type": "single", "text": text, "options": options}


def multiple(qid: str, right: int, wrong: int, text: str = "Which apply?"):
    options = [{"id": f"r{n}", "text": f"right {n}", "correct": True} for n in range(right)]
    options += [{"id": f"w{n}", "text": f"wrong {n}"} for n in range(wrong)]
    return {"id": qid, "type": "multiple", "text": text, "options": options}


def true_false(qid: str, answer: bool):
    return {"id": qid, "type": "true_false", "text": f"Statement {qid}", "answer": answer}


def rules(*questions, name: str = "quizzes/c/unit.yaml") -> list[str]:
    text = yaml.safe_dump({"title": "Quiz", "questions": list(questions)}, allow_unicode=True)
    quiz, problems = parse_quiz(text, name, LOCALES)
    assert problems == [], problems
    return [f.rule for f in check_quiz_quality(quiz, name, load_yaml(text, name)[0])]


def balanced(count: int = 4) -> list[dict]:
    """Single-choice questions with keys of distractor length, spread over the positions."""
    return [single(f"s{n}", f"option {n}", ["option x", "option y", "option z"], key_at=n % 4)
            for n in range(count)]  # fmt: skip


def test_a_key_twice_as_long_as_every_distractor_fires():
    question = single("q1", "a long and very detailed right answer", ["short", "brief one"])
    assert rules(question) == ["long-key"]


def test_a_key_of_distractor_length_is_quiet():
    assert rules(single("q1", "walk them over", ["phone ahead", "send a map"])) == []


def test_long_key_uses_every_locale():
    question = single("q1", {"zh-CN": "领过去", "en": "walk them over to the right counter now"},
                      [{"zh-CN": "打电话", "en": "phone ahead"}])  # fmt: skip
    assert rules(question) == ["long-key"]


def test_keys_mostly_the_longest_option_fire_as_a_share():
    questions = [
        single(f"s{n}", "answer text plus", ["answer text", "answer tex"], key_at=n % 3)
        for n in range(5)
    ]
    assert rules(*questions) == ["long-key-share"]


def test_keys_sometimes_the_longest_are_quiet():
    questions = balanced(4)
    questions[0] = single("s0", "option xyz", ["option x", "option y"], key_at=1)
    assert rules(*questions) == []


def test_keys_all_in_the_first_position_fire():
    questions = [single(f"s{n}", f"option {n}", ["option x", "option y"]) for n in range(4)]
    assert rules(*questions) == ["key-position"]


def test_keys_spread_over_positions_are_quiet():
    assert rules(*balanced(8)) == []


def test_share_rules_wait_for_enough_questions():
    questions = [single(f"s{n}", f"option {n}", ["option x", "option y"]) for n in range(3)]
    assert rules(*questions) == []


def test_true_false_mostly_false_fires():
    items = [true_false(f"t{n}", n == 0) for n in range(6)]
    assert rules(*items) == ["true-false-balance"]


def test_true_false_half_true_is_quiet():
    assert rules(*[true_false(f"t{n}", n % 2 == 0) for n in range(6)]) == []


def test_true_false_allows_the_unavoidable_half_item():
    assert rules(true_false("t1", False)) == []
    assert rules(*[true_false(f"t{n}", n == 0) for n in range(3)]) == []
    assert rules(true_false("t1", False), true_false("t2", False)) == ["true-false-balance"]


def test_multiple_response_all_right_but_one_fires_as_a_share():
    items = [multiple("m1", 3, 1), multiple("m2", 4, 1), multiple("m3", 2, 2)]
    assert rules(*items) == ["all-but-one-right"]


def test_multiple_response_with_varied_right_counts_is_quiet():
    items = [multiple("m1", 3, 1), multiple("m2", 2, 2), multiple("m3", 1, 3), multiple("m4", 2, 3)]
    assert rules(*items) == []


def test_all_of_the_above_fires_in_both_languages():
    assert rules(single("q1", "以上都是", ["先打电话", "先发邮件"])) == ["all-of-the-above"]
    assert rules(single("q1", "All of the above", ["Phone them", "Email them first"])) == [
        "all-of-the-above"
    ]


def test_none_of_the_above_fires_in_both_languages():
    assert rules(single("q1", "先领过去", ["先打电话", "以上都不是"])) == ["none-of-the-above"]
    assert rules(single("q1", "Walk over", ["Phone", "None of the above"])) == ["none-of-the-above"]


def test_absolute_words_in_options_fire():
    assert rules(single("q1", "总是先打电话", ["先领过去再说", "先发一封邮件"])) == [
        "absolute-word"
    ]
    assert rules(single("q1", "Never phone", ["Walk over", "Email them"])) == ["absolute-word"]


def test_ordinary_wording_and_idioms_are_quiet():
    assert rules(single("q1", "在一定程度上有帮助", ["先领过去再说一遍", "先发一封邮件说明"])) == []
    assert rules(single("q1", "Phone now", ["Walk over", "Email it"])) == []


def test_an_unemphasised_negative_in_the_stem_fires():
    assert rules(single("q1", "A", ["B", "C"], text="哪一项不属于首问负责？")) == ["negative-stem"]
    assert rules(single("q1", "A", ["B", "C"], text="Which is not a role?")) == ["negative-stem"]


def test_a_negative_in_the_scenario_before_the_question_is_quiet():
    stem = "The room has not been cleaned. The guest is upset. Which step comes first?"
    assert rules(single("q1", "A", ["B", "C"], text=stem)) == []
    stem = "窗口说不能受理。他很着急。你首先应当怎么做？"
    assert rules(single("q1", "A", ["B", "C"], text=stem)) == []
    stem = "The room has not been cleaned. Which step should you not take?"
    assert rules(single("q1", "A", ["B", "C"], text=stem)) == ["negative-stem"]


def test_an_emphasised_negative_is_quiet():
    assert rules(single("q1", "A", ["B", "C"], text="哪一项**不属于**首问负责？")) == []
    assert rules(single("q1", "A", ["B", "C"], text="Which is NOT a role?")) == []
    assert rules(single("q1", "A", ["B", "C"], text="Which is **not** a role?")) == []


def test_findings_name_the_file_line_and_rule():
    text = yaml.safe_dump(
        {"title": "Quiz", "questions": [single("q1", "以上都是", ["先打电话", "先发邮件"])]},
        allow_unicode=True,
    )
    quiz, _ = parse_quiz(text, "quizzes/c/unit.yaml", LOCALES)
    (finding,) = check_quiz_quality(
        quiz, "quizzes/c/unit.yaml", load_yaml(text, "quizzes/c/unit.yaml")[0]
    )
    line = text.splitlines()[finding.line - 1]
    assert "以上都是" in line or "- id: key" in line or "correct" in line
    assert str(finding).startswith(f"quizzes/c/unit.yaml:{finding.line}: all-of-the-above: q1:")
