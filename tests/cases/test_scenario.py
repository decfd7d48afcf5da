"""The scenario engine on hand-built graphs: structure checks, stepping, back rules, scoring."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.cases.scenario import (
    Choice,
    Scenario,
    ScenarioError,
    Scene,
    can_go_back,
    choose,
    current_scene,
    go_back,
    max_score,
    outcome,
    reachable,
    structure_problems,
)


def make(start="a", allow_back=True, **scenes):
    """Scenes as ``id=(choices, flags)``; choices are ``(target, score, tags)`` tuples."""
    built = {}
    for line, (scene_id, (choices, flags)) in enumerate(scenes.items(), start=1):
        built[scene_id.replace("_", "-")] = Scene(
            id=scene_id.replace("_", "-"),
            choices=tuple(
                Choice(t, s, tuple(tags), line * 10 + i) for i, (t, s, tags) in enumerate(choices)
            ),
            ending="ending" in flags,
            no_back="no-back" in flags,
            line=line * 10,
        )
    return Scenario(start, built, allow_back)


@pytest.fixture
def story():
    return make(
        a=([("b", 3, ["communication", "roles"]), ("c", -1, ["roles"])], ""),
        b=([("good", 2, ["tools"]), ("a", 0, [])], "no-back"),
        c=([("bad", 0, ["trust"])], ""),
        good=([], "ending"),
        bad=([], "ending"),
    )


def test_a_sound_story_has_no_problems(story):
    assert structure_problems(story, "case.md") == []
    assert reachable(story) == {"a", "b", "c", "good", "bad"}


def test_structural_faults_are_reported_with_lines():
    broken = make(
        a=([("b", 1, []), ("ghost", 0, [])], ""),
        b=([("loop", 0, [])], ""),
        loop=([("b", 0, [])], ""),
        stuck=([], ""),
        orphan=([("end", 0, [])], ""),
        end=([], "ending"),
    )
    messages = {(p.line, p.message) for p in structure_problems(broken, "case.md")}
    assert (11, "choice points at unknown scene 'ghost'") in messages
    assert (40, "scene 'stuck' is a dead end: add choices or mark it .ending") in messages
    assert (40, "scene 'stuck' cannot be reached from 'a'") in messages
    assert (50, "scene 'orphan' cannot be reached from 'a'") in messages
    assert (60, "scene 'end' cannot be reached from 'a'") in messages
    assert (20, "no ending can be reached from scene 'b' (a cycle with no way out)") in messages
    assert (30, "no ending can be reached from scene 'loop' (a cycle with no way out)") in messages
    assert (10, "no ending can be reached from the start") in messages
    assert all(str(p).startswith("case.md:") for p in structure_problems(broken, "case.md"))


def test_unknown_start_and_an_ending_with_choices():
    scenario = make(start="nowhere", a=([("a", 0, [])], "ending"))
    messages = [p.message for p in structure_problems(scenario, "x.md")]
    assert "start scene 'nowhere' does not exist" in messages
    assert "ending 'a' must not have choices" in messages


def test_a_cycle_with_an_exit_is_fine():
    scenario = make(
        a=([("b", 1, [])], ""), b=([("a", 0, []), ("end", 1, [])], ""), end=([], "ending")
    )
    assert structure_problems(scenario, "x.md") == []
    assert max_score(scenario) == 2


def test_max_score_takes_the_best_simple_path(story):
    assert max_score(story) == 5
    negative = make(
        a=([("end", -2, []), ("mid", -1, [])], ""), mid=([("end", -3, [])], ""), end=([], "ending")
    )
    assert max_score(negative) == -2  # the best path may still cost points


def test_stepping_to_an_ending_scores_the_path(story):
    steps = choose(story, [], 0)
    assert current_scene(story, steps).id == "b"
    steps = choose(story, steps, 0)
    result = outcome(story, steps)
    assert result.ended and result.ending == "good"
    assert (result.score, result.max_score, result.scaled) == (5, 5, 1.0)
    assert result.path == ("a", "b", "good")
    assert result.shown == ("communication", "roles", "tools")
    assert result.missed == ("trust",)


def test_a_poor_path_shows_little_and_scales_to_zero(story):
    steps = choose(story, choose(story, [], 1), 0)
    result = outcome(story, steps)
    assert (result.ending, result.score, result.scaled) == ("bad", -1, 0.0)
    assert result.shown == ()
    assert result.missed == ("communication", "roles", "tools", "trust")


def test_back_rules(story):
    assert not can_go_back(story, [])
    at_c = choose(story, [], 1)
    assert can_go_back(story, at_c)
    assert go_back(story, at_c) == []
    at_b = choose(story, [], 0)
    assert not can_go_back(story, at_b)  # b is a point of no return
    with pytest.raises(ScenarioError):
        go_back(story, at_b)
    ended = choose(story, at_b, 0)
    assert not can_go_back(story, ended)
    no_back_case = Scenario(story.start, story.scenes, allow_back=False)
    assert not can_go_back(no_back_case, at_c)


def test_bad_steps_are_refused(story):
    with pytest.raises(ScenarioError):
        choose(story, [], 5)
    ended = choose(story, choose(story, [], 1), 0)
    with pytest.raises(ScenarioError):
        choose(story, ended, 0)


def test_looping_back_keeps_every_step_in_the_score(story):
    steps = choose(story, [], 0)  # a -> b (+3)
    steps = choose(story, steps, 1)  # b -> a (0)
    steps = choose(story, steps, 0)  # a -> b (+3)
    steps = choose(story, steps, 0)  # b -> good (+2)
    result = outcome(story, steps)
    assert result.score == 8
    assert result.scaled == 1.0  # clamped to the best simple path


@st.composite
def scenarios(draw):
    """Small random graphs: scene 0 starts, the last scenes are endings, choices point anywhere."""
    size = draw(st.integers(min_value=2, max_value=7))
    endings = draw(st.integers(min_value=1, max_value=size - 1))
    scenes = {}
    for number in range(size):
        ending = number >= size - endings
        targets = [] if ending else draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=3))
        choices = tuple(Choice(f"s{t}", draw(st.integers(-3, 3))) for t in targets)
        scenes[f"s{number}"] = Scene(f"s{number}", choices, ending=ending)
    return Scenario("s0", scenes)


def brute_force_best(scenario):
    """Every simple path from the start to an ending, enumerated independently of the engine."""
    best = None
    paths = [("s0", 0, frozenset({"s0"}))]
    while paths:
        scene_id, total, seen = paths.pop()
        scene = scenario.scenes[scene_id]
        if scene.ending:
            best = total if best is None else max(best, total)
            continue
        for choice in scene.choices:
            if choice.target not in seen:
                paths.append((choice.target, total + choice.score, seen | {choice.target}))
    return best


@settings(max_examples=150, deadline=None)
@given(scenarios(), st.lists(st.integers(0, 2), max_size=12))
def test_scores_stay_within_the_best_path(scenario, picks):
    best = brute_force_best(scenario)
    assert max_score(scenario) == (best if best is not None else 0)
    steps = []
    for pick in picks:
        scene = current_scene(scenario, steps)
        if scene.ending:
            break
        steps = choose(scenario, steps, pick % len(scene.choices))
    result = outcome(scenario, steps)
    assert 0.0 <= result.scaled <= 1.0
    assert result.path[0] == "s0" and len(result.path) == len(steps) + 1
    visited = set(result.path)
    if result.ended and len(visited) == len(result.path) and best is not None:
        assert result.score <= best  # a simple path never beats the maximum
    if not structure_problems(scenario, "x.md"):
        assert all(scene_id in reachable(scenario) for scene_id in scenario.scenes)
