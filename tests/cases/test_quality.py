"""Case-study quality rules: the best ending must be earned, and endings order by score."""

from __future__ import annotations

from course.cases.formats import parse_case
from course.cases.quality import check_case_quality, ending_scores

NAME = "content/c/cases/demo.zh-CN.md"


def case(best_rank: str = "rank=1", good: str = "rank=2", poor: str = "rank=3") -> dict:
    """Start -> (listen +3 | skip 0) -> decide -> best / good / poor endings."""
    text = f"""---
title: 示例
start: start
---

## 开始 {{#start}}

一位群众来了。

- [先问清楚](#decide) {{score=3 competencies=communication}}
- [直接指路](#decide-late) {{score=0 competencies=roles}}

## 决定 {{#decide}}

接下来？

- [发起联办](#best) {{score=3 competencies=roles}}
- [让他自己跑](#good) {{score=0 competencies=roles}}

## 晚了一步 {{#decide-late}}

他又回来了。

- [道歉并接下来](#good) {{score=2 competencies=trust}}
- [解释流程](#poor) {{score=-1 competencies=communication}}
- [直接办结](#best) {{score=0 competencies=roles}}

## 办成了 {{#best .ending {best_rank}}}

好。

::: debrief
最好。
:::

## 晚了几天 {{#good .ending {good}}}

还行。

::: debrief
一般。
:::

## 投诉 {{#poor .ending {poor}}}

不好。

::: debrief
最差。
:::
"""
    parsed, problems = parse_case({"zh-CN": (NAME, text)}, "zh-CN")
    assert problems == [], [str(p) for p in problems]
    return parsed


def rules(parsed: dict) -> list[str]:
    return [finding.rule for finding in check_case_quality(parsed, NAME)]


def test_ending_scores_cover_every_simple_path():
    assert ending_scores(case()) == {"best": (0, 6), "good": (2, 3), "poor": (-1, -1)}


def test_a_best_ending_reachable_with_no_points_fires():
    assert "best-ending-cheap" in rules(case())


def test_a_best_ending_that_needs_the_points_is_quiet():
    parsed = case()
    late = next(s for s in parsed["scenes"] if s["id"] == "decide-late")
    late["choices"] = late["choices"][:2]  # the shortcut to the best ending is gone
    assert rules(parsed) == []


def test_endings_out_of_score_order_fire():
    parsed = case(best_rank="rank=1", good="rank=3", poor="rank=2")
    assert "ending-order" in rules(parsed)


def test_a_best_ending_with_a_cheap_path_is_out_of_order_too():
    assert "ending-order" in rules(case())  # best 0..6 against good 2..3


def test_unranked_endings_fire_and_ranked_ones_are_quiet():
    assert rules(case(best_rank="", good="", poor="")) == ["ending-rank"]
    assert "ending-rank" not in rules(case())


def test_rank_is_read_and_kept_in_the_definition():
    ranks = {s["id"]: s["rank"] for s in case()["scenes"]}
    assert ranks == {"start": None, "decide": None, "decide-late": None, "best": 1, "good": 2,
                     "poor": 3}  # fmt: skip


def test_a_bad_rank_is_a_problem():
    text = "---\ntitle: t\n---\n\n## A {#a .ending rank=x}\n\n::: debrief\nd\n:::\n"
    _parsed, problems = parse_case({"zh-CN": (NAME, text)}, "zh-CN")
    assert any("rank 'x'" in p.message for p in problems)
