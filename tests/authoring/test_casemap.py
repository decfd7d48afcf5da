"""The case map is drawn from the text being edited, problems and all."""

from course.authoring.casemap import case_map

CASE = """---
title: 一个上午
start: arrival
---

## 到达 {#arrival}

她来办事。

- [先打电话](#call) {score=1 competencies=communication}
- [发起协同单](#ticket) {score=3 competencies=roles,tools}

## 打电话 {#call}

没人接。

- [改发协同单](#ticket)
- [去找不存在的人](#nowhere)

## 协同单 {#ticket .ending .no-back}

办结。

::: debrief
做得好。
:::

## 孤岛 {#island .ending}

::: debrief
没人来过。
:::
"""


def test_scenes_choices_depths_and_problems():
    graph = case_map("cases/morning.zh-CN.md", CASE)
    assert graph.start == "arrival"
    assert [(s.id, s.depth, s.ending, s.no_back) for s in graph.scenes] == [
        ("arrival", 0, False, False),
        ("call", 1, False, False),
        ("ticket", 1, True, True),
        ("island", None, True, False),
    ]
    arrival = graph.scenes[0]
    assert [(c.label, c.target, c.target_title, c.score) for c in arrival.choices] == [
        ("先打电话", "call", "打电话", 1),
        ("发起协同单", "ticket", "协同单", 3),
    ]
    assert arrival.choices[1].competencies == ("roles", "tools")
    broken = graph.scenes[1].choices[1]
    assert broken.broken and broken.target == "nowhere"
    assert graph.unreachable == ["island"]
    assert graph.endings == ["ticket", "island"]


def test_an_empty_or_headless_text_gives_an_empty_map():
    graph = case_map("cases/x.en.md", "---\ntitle: x\n---\n")
    assert graph.start is None and graph.scenes == [] and graph.unreachable == []
