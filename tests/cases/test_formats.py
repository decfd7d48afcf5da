"""Parsing and checking case files: the definition, line-numbered problems, translations."""

from pathlib import Path

import pytest

from course.cases.formats import parse_case

CONTENT = Path(__file__).resolve().parents[2] / "content"

ZH = """---
title: 窗口的一个上午
summary: 一位群众，三个事项。
start: arrival
allow_back: true
reflection:
  - id: r1
    prompt: 你会怎么做？
rubric:
  - id: insight
    label: 联系自身工作
    points: 4
---

## 九点的综合窗口 {#arrival}

一位群众来办事，**很着急**。

- [先问清诉求](#listen) {score=2 competencies=communication,citizen-focus}
- [让他去5号窗口](#sent-away) {score=-1 competencies=roles}

## 问清楚 {#listen .no-back}

::: tip
先听完。
:::

- [发起联办](#done) {score=3 competencies=roles,tools}

## 被支走 {#sent-away}

他走了。

- [回来重新受理](#listen) {score=0}

## 办结 {#done .ending}

事情办完了。

::: debrief
首问负责让群众少跑。
:::
"""

EN = """---
title: A morning at the counter
summary: One citizen, three matters.
reflection:
  - id: r1
    prompt: What would you do?
rubric:
  - id: insight
    label: Relates it to own work
---

## Nine o'clock at the counter {#arrival}

A citizen arrives, **in a hurry**.

- [Ask what he needs](#listen)
- [Send him to counter 5](#sent-away)

## Listening {#listen .no-back}

::: tip
Hear him out.
:::

- [Start a joint ticket](#done)

## Sent away {#sent-away}

He leaves.

- [Take the case back](#listen)

## Done {#done .ending}

It is done.

::: debrief
Owning the first question saves trips.
:::
"""


def parse(zh=ZH, en=EN, locales=("zh-CN", "en")):
    sources = {"zh-CN": ("cases/counter.zh-CN.md", zh)}
    if en is not None:
        sources["en"] = ("cases/counter.en.md", en)
    return parse_case(sources, "zh-CN", list(locales))


def messages(problems):
    return [str(problem) for problem in problems]


def test_a_sound_bilingual_case_parses_into_a_definition():
    definition, problems = parse()
    assert problems == []
    assert definition["id"] == "counter"
    assert definition["title"] == {"zh-CN": "窗口的一个上午", "en": "A morning at the counter"}
    assert definition["start"] == "arrival" and definition["allow_back"] is True
    assert [s["id"] for s in definition["scenes"]] == ["arrival", "listen", "sent-away", "done"]
    arrival = definition["scenes"][0]
    assert arrival["line"] == 15
    assert "<strong>很着急</strong>" in arrival["narrative"]["zh-CN"]
    assert "<strong>in a hurry</strong>" in arrival["narrative"]["en"]
    assert arrival["choices"][0] == {
        "target": "listen",
        "score": 2,
        "competencies": ["communication", "citizen-focus"],
        "line": 19,
        "label": {"zh-CN": "先问清诉求", "en": "Ask what he needs"},
    }
    listen = definition["scenes"][1]
    assert listen["no_back"] and not listen["ending"] and "先听完" in listen["narrative"]["zh-CN"]
    done = definition["scenes"][3]
    assert done["ending"] and "首问负责" in done["debrief"]["zh-CN"]
    assert "首问负责" not in done["narrative"]["zh-CN"]
    assert definition["max_score"] == 5
    assert definition["reflection"] == [
        {"id": "r1", "prompt": {"zh-CN": "你会怎么做？", "en": "What would you do?"}}
    ]
    assert definition["rubric"][0]["points"] == 4
    assert definition["rubric"][0]["label"]["en"] == "Relates it to own work"
    assert definition["competencies"] == ["communication", "roles", "tools", "citizen-focus"]


def test_structural_faults_are_reported_as_file_and_line():
    broken = ZH.replace("(#done) {score=3", "(#finish) {score=3").replace(
        "- [回来重新受理](#listen) {score=0}", ""
    )
    definition, problems = parse(broken, en=None, locales=["zh-CN"])
    assert definition is None
    found = messages(problems)
    assert "cases/counter.zh-CN.md:28: choice points at unknown scene 'finish'" in found
    assert any(
        m.startswith("cases/counter.zh-CN.md:30: scene 'sent-away' is a dead end") for m in found
    )
    assert "cases/counter.zh-CN.md:36: scene 'done' cannot be reached from 'arrival'" in found
    assert any(
        m.startswith("cases/counter.zh-CN.md:22: no ending can be reached from scene 'listen'")
        for m in found
    )


def test_format_slips_are_caught():
    slips = (
        ZH.replace("{#arrival}", "{#arrival .final}")
        .replace("competencies=roles,tools", "competencies=roles,magic")
        .replace("score=2 ", "score=two ")
        .replace("::: debrief\n首问负责让群众少跑。\n:::\n", "")
        .replace("- [让他去5号窗口](#sent-away)", "- [让他去5号窗口](#sent-away) 然后等待")
    )
    _, problems = parse(slips, en=None, locales=["zh-CN"])
    found = messages(problems)
    assert "cases/counter.zh-CN.md:15: unknown scene attribute '.final'" in found
    assert "cases/counter.zh-CN.md:19: score 'two' is not a whole number" in found
    assert any(m.startswith("cases/counter.zh-CN.md:20: a choice is a list item") for m in found)
    assert any(m.startswith("cases/counter.zh-CN.md:28: unknown competency 'magic'") for m in found)
    assert "cases/counter.zh-CN.md:36: an ending needs a '::: debrief' container" in found


def test_front_matter_problems_point_at_their_key():
    bad = ZH.replace("allow_back: true", "allow_back: maybe\ncolour: red").replace(
        "points: 4", "points: 0"
    )
    _, problems = parse(bad, en=None, locales=["zh-CN"])
    found = messages(problems)
    assert "cases/counter.zh-CN.md:5: allow_back must be true or false" in found
    assert "cases/counter.zh-CN.md:6: unknown front matter key 'colour'" in found
    assert "cases/counter.zh-CN.md:11: rubric points must be a positive whole number" in found
    _, problems = parse("no front matter\n", en=None, locales=["zh-CN"])
    assert "cases/counter.zh-CN.md:1: a case file must start with '---' front matter" in messages(
        problems
    )


def test_missing_and_mismatched_translations_are_reported():
    _, problems = parse(en=None)
    assert messages(problems) == ["cases/counter.en.md:0: no en translation"]
    en = (
        EN.replace("    prompt: What would you do?\n", "")
        .replace("- [Take the case back](#listen)", "- [Take the case back](#arrival)")
        .replace("::: debrief\nOwning the first question saves trips.\n:::\n", "")
        .replace("{#listen .no-back}", "{#listen}")
    )
    _, problems = parse(en=en)
    found = messages(problems)
    assert "cases/counter.en.md:5: reflection 'r1' has no prompt" in found
    assert "cases/counter.en.md:18: scene 'listen' attributes differ" in found
    assert any(
        m.startswith("cases/counter.en.md:30: choices of 'sent-away' lead to ['arrival']")
        for m in found
    )
    assert "cases/counter.en.md:32: missing translated debrief of 'done'" in found


def test_a_translation_may_not_change_the_scoring():
    en = EN.replace("- [Ask what he needs](#listen)", "- [Ask what he needs](#listen) {score=9}")
    _, problems = parse(en=en)
    assert messages(problems) == ["cases/counter.en.md:16: choice score or competencies differ"]


@pytest.mark.parametrize(
    "default_file",
    sorted((CONTENT / "service-team-collaboration" / "cases").glob("*.zh-CN.md")),
    ids=lambda path: path.name,
)
def test_the_flagship_cases_parse_without_problems(default_file):
    case_id = default_file.name.removesuffix(".zh-CN.md")
    sources = {
        locale: (
            f"cases/{case_id}.{locale}.md",
            (default_file.parent / f"{case_id}.{locale}.md").read_text("utf-8"),
        )
        for locale in ("zh-CN", "en")
        if (default_file.parent / f"{case_id}.{locale}.md").exists()
    }
    definition, problems = parse_case(sources, "zh-CN", ["zh-CN", "en"])
    assert messages(problems) == []
    assert any(scene["ending"] for scene in definition["scenes"])
    assert definition["max_score"] > 0
