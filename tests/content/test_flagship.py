"""The flagship course, 服务团队协作 / Service Team Collaboration, meets its brief.

Everything is computed from the files themselves (course.yaml, module.yaml, lesson front matter,
quiz and case files); docs/course-map.yaml must agree with them, so the map cannot drift.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from course.cases.formats import parse_case
from course.catalog.service import check_folder
from course.quizzes.formats import parse_quiz

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "content" / "service-team-collaboration"
QUIZZES = ROOT / "quizzes" / "service-team-collaboration"
LOCALES = ["zh-CN", "en"]
HAN = re.compile(r"[\u4e00-\u9fff]")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
SCENARIO_LEVELS = {"apply", "analyse"}


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _lesson(path: Path) -> tuple[dict, str]:
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path} has no front matter"
    return yaml.safe_load(match.group(1)), match.group(2)


@pytest.fixture(scope="module")
def course() -> dict:
    return _yaml(COURSE / "course.yaml")


@pytest.fixture(scope="module")
def modules(course) -> list[tuple[str, Path, dict]]:
    found = []
    for slug in course["modules"]:
        (folder,) = [p for p in COURSE.iterdir() if re.fullmatch(rf"\d\d-{slug}", p.name)]
        found.append((slug, folder, _yaml(folder / "module.yaml")))
    return found


@pytest.fixture(scope="module")
def quizzes() -> dict[str, dict]:
    parsed = {}
    for path in sorted(QUIZZES.glob("*.yaml")):
        data, problems = parse_quiz(path.read_text(encoding="utf-8"), str(path), LOCALES)
        assert problems == [], [str(p) for p in problems]
        parsed[path.stem] = data
    return parsed


@pytest.fixture(scope="module")
def cases() -> dict[str, dict]:
    parsed = {}
    for path in sorted((COURSE / "cases").glob("*.zh-CN.md")):
        case_id = path.name.removesuffix(".zh-CN.md")
        sources = {
            locale: (str(p), p.read_text(encoding="utf-8"))
            for locale in LOCALES
            for p in [COURSE / "cases" / f"{case_id}.{locale}.md"]
        }
        data, problems = parse_case(sources, "zh-CN")
        assert problems == [], [str(p) for p in problems]
        parsed[case_id] = data
    return parsed


def _questions(quizzes) -> list[dict]:
    return [q for quiz in quizzes.values() for q in quiz.get("questions") or []]


def test_package_passes_the_checker():
    package, problems = check_folder(COURSE)
    assert [str(p) for p in problems] == []


def test_seven_modules_each_with_three_to_five_objectives(modules):
    assert [slug for slug, _, _ in modules] == [
        "background",
        "roles",
        "communication",
        "tools",
        "cases",
        "challenges",
        "trends",
    ]
    for slug, _, module in modules:
        assert 3 <= len(module["objectives"]) <= 5, slug


def test_lessons_count_length_and_key_points(modules):
    lessons = 0
    for _, folder, module in modules:
        for item in module["items"]:
            if "lesson" not in item:
                continue
            lessons += 1
            (zh_path,) = folder.glob(f"??-{item['lesson']}.zh-CN.md")
            en_path = zh_path.with_name(zh_path.name.replace(".zh-CN.md", ".en.md"))
            meta, body = _lesson(zh_path)
            en_meta, en_body = _lesson(en_path)
            characters = len(HAN.findall(body))
            assert 600 <= characters <= 1500, f"{zh_path.name}: {characters} Chinese characters"
            assert len(en_body.split()) >= 400, (
                f"{en_path.name} is too short for the same substance"
            )
            assert "::: key-points" in body and "::: key-points" in en_body, zh_path.name
            assert meta["objectives"] == en_meta["objectives"], zh_path.name
    assert lessons >= 18


def test_every_quiz_and_case_is_reachable_from_the_course(course, modules, quizzes, cases):
    referenced_quizzes = {
        item["quiz"] for _, _, m in modules for item in m["items"] if "quiz" in item
    }
    referenced_cases = {
        item["case"] for _, _, m in modules for item in m["items"] if "case" in item
    }
    referenced_quizzes.add(course["final_exam"])
    referenced_quizzes.add(quizzes[course["final_exam"]]["draw"]["bank"])
    assert set(quizzes) == referenced_quizzes
    assert set(cases) == referenced_cases == {"government-service-centre", "hotel-guest"}


def test_module_quizzes_and_the_final_exam(course, modules, quizzes):
    for slug, _, _ in modules:
        questions = quizzes[slug]["questions"]
        assert len(questions) >= 8, slug
        assert len({q["type"] for q in questions}) >= 4, slug
        for question in questions:
            for option in question.get("options") or []:
                assert option.get("feedback"), f"{question['id']} option {option['id']}"
    exam = quizzes[course["final_exam"]]
    assert sum(rule["count"] for rule in exam["draw"]["rules"]) == 20
    assert len(quizzes["bank"]["questions"]) >= 40
    assert {q["type"] for q in _questions(quizzes)} >= {
        "single",
        "multiple",
        "true_false",
        "short",
        "matching",
        "ordering",
        "numeric",
        "essay",
    }


def test_at_least_forty_percent_of_questions_are_scenario_based(quizzes):
    questions = _questions(quizzes)
    scenario = sum(q["level"] in SCENARIO_LEVELS for q in questions)
    assert scenario / len(questions) >= 0.4, f"{scenario} of {len(questions)}"


def test_every_objective_is_assessed_twice_and_the_course_map_agrees(modules, quizzes):
    assessed = Counter(o for q in _questions(quizzes) for o in q.get("objectives") or [])
    objectives = [o["id"] for _, _, m in modules for o in m["objectives"]]
    thin = {o: assessed[o] for o in objectives if assessed[o] < 2}
    assert thin == {}, f"objectives with fewer than two questions: {thin}"

    taught = {}
    for _, folder, module in modules:
        for item in module["items"]:
            if "lesson" in item:
                (path,) = folder.glob(f"??-{item['lesson']}.zh-CN.md")
                for objective in _lesson(path)[0]["objectives"]:
                    taught.setdefault(objective, set()).add(item["lesson"])
    course_map = {o["id"]: o for o in _yaml(ROOT / "docs" / "course-map.yaml")["objectives"]}
    assert set(course_map) == set(objectives)
    for objective in objectives:
        questions = {
            q["id"] for q in _questions(quizzes) if objective in (q.get("objectives") or [])
        }
        assert set(course_map[objective]["questions"]) == questions, objective
        assert set(course_map[objective]["lessons"]) == taught.get(objective, set()), objective


def test_cases_are_rich_enough(cases):
    competencies = {"communication", "roles", "tools", "trust", "citizen-focus"}
    for case_id, case in cases.items():
        scenes = case["scenes"]
        endings = [s for s in scenes if s["ending"]]
        assert len(scenes) >= 8 and len(endings) >= 3, case_id
        assert all(s["debrief"] for s in endings), case_id
        choices = [c for s in scenes for c in s["choices"]]
        assert choices and all(
            c["competencies"] and set(c["competencies"]) <= competencies for c in choices
        ), case_id
        assert len(case["reflection"]) == 2, case_id


def test_glossary_has_both_languages():
    glossary = _yaml(ROOT / "docs" / "course-map.yaml")["glossary"]
    assert len(glossary) >= 20
    assert all(term.get("zh-CN") and term.get("en") for term in glossary)
