"""Read and check a course package: every problem at once, each as ``file:line: message``.

:func:`parse_package` turns a :class:`~course.catalog.package.PackageSource` into a
:class:`~course.catalog.package.CoursePackage` (lessons rendered, quizzes and cases parsed by their
own areas' parsers), or into the list of problems that stop it from being imported.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from course import media
from course.cases.formats import parse_case
from course.catalog.lessons import LESSON_FILE, parse_lesson
from course.catalog.package import CoursePackage, Lesson, Module, ModuleItem, PackageSource
from course.catalog.schema import check_schema
from course.problems import Problem
from course.quizzes.formats import check_course_quizzes, parse_quiz
from course.yamlsource import YamlDocument, load_yaml

if TYPE_CHECKING:
    from typing import Any


MODULE_FOLDER = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)$")
CASE_FILE = re.compile(r"^cases/([a-z0-9]+(?:-[a-z0-9]+)*)\.([A-Za-z]{2}(?:-[A-Za-z]{2})?)\.md$")
RESERVED_FOLDERS = {"cases", "assets"}

QuizParser = Callable[[str, str, list[str]], tuple[dict | None, list[Problem]]]
CaseParser = Callable[[dict[str, tuple[str, str]], str], tuple[dict | None, list[Problem]]]


@dataclass(frozen=True)
class Parsers:
    """The quiz and case parsers, owned by the quizzes and cases areas."""

    quiz: QuizParser
    case: CaseParser


def default_parsers() -> Parsers:
    """The real parsers of the quizzes and cases areas."""
    return Parsers(quiz=parse_quiz, case=parse_case)


def _line_in(files: dict[str, tuple[str, str]]) -> Callable[[str, tuple], int]:
    """``line(quiz_id, path)``: the line of ``path`` in a quiz file, read again only when a
    problem needs it."""

    def line(quiz_id: str, path: tuple) -> int:
        name, text = files[quiz_id]
        document, _ = load_yaml(text, name)
        return document.line(*path) if document is not None else 1

    return line


def _text(
    source: PackageSource,
    area_files: dict[str, bytes],
    name: str,
    path: str,
    problems: list[Problem],
):
    try:
        return area_files[path].decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        problems.append(Problem(name, 1, "not valid UTF-8 text"))
        return None


def check_localised(doc: YamlDocument, value: Any, locales: list[str], *path) -> list[Problem]:
    """A localised map must carry every declared locale and no other."""
    if not isinstance(value, dict):
        return []
    problems = [
        doc.problem(f"missing the {loc} text", *path) for loc in locales if loc not in value
    ]
    problems += [
        doc.problem(f"locale '{loc}' is not declared in course.yaml", *path, loc)
        for loc in value
        if loc not in locales
    ]
    return problems


def _strings(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, str) for item in value)


class _Reader:
    """One pass over a package; collects problems instead of stopping at the first."""

    def __init__(self, source: PackageSource, parsers: Parsers) -> None:
        self.source = source
        self.parsers = parsers
        self.problems: list[Problem] = []
        self.locales: list[str] = ["zh-CN"]
        self.documents: dict[str, YamlDocument] = {}

    def name(self, path: str) -> str:
        return self.source.content_name(path)

    def yaml(self, path: str, schema_name: str, lenient: bool = False) -> YamlDocument | None:
        name = self.name(path)
        if path not in self.source.content:
            self.problems.append(Problem(name, 0, f"missing {posixpath.basename(path)}"))
            return None
        text = _text(self.source, self.source.content, name, path, self.problems)
        if text is None:
            return None
        doc, problems = load_yaml(text, name)
        self.problems += problems
        if doc is None:
            return None
        if not isinstance(doc.data, dict):
            self.problems.append(doc.problem("must be a mapping of fields"))
            return None
        schema_problems = check_schema(doc, schema_name)
        self.problems += schema_problems
        return doc if (lenient or not schema_problems) else None

    def read(self) -> CoursePackage | None:
        course = self.yaml("course.yaml", "course", lenient=True)
        if course is None:
            return None
        # Carry on past schema errors in course.yaml, so the modules are checked too.
        settings = dict(course.data)
        locales = settings.get("locales")
        self.locales = list(locales) if _strings(locales) else ["zh-CN", "en"]
        if not _strings(settings.get("modules")):
            settings["modules"] = []
        settings.setdefault("enrolment", "open")
        settings.setdefault("completion", {})
        settings.setdefault("certificate", {})
        for key in ("title", "summary"):
            self.problems += check_localised(course, settings.get(key), self.locales, key)
        objectives = settings.get("objectives")
        for index, objective in enumerate(objectives if isinstance(objectives, list) else []):
            if isinstance(objective, dict):
                self.problems += check_localised(
                    course, objective.get("text"), self.locales, "objectives", index, "text"
                )
        folder = self.source.content_label.rsplit("/", 1)[-1]
        if settings.get("slug", folder) != folder:
            self.problems.append(
                course.problem(
                    f"slug '{settings['slug']}' differs from the folder name '{folder}'", "slug"
                )
            )
        folders = self._module_folders()
        modules = self._modules(course, folders)
        quizzes = self._quizzes()
        cases = self._cases()
        lessons = self._lessons(modules)
        self._cross_check(course, modules, quizzes, cases)
        self._check_assets()
        if self.problems:
            return None
        assets = sorted(path for path in self.source.content if path.startswith("assets/"))
        return CoursePackage(
            slug=settings["slug"],
            settings=settings,
            modules=modules,
            lessons=lessons,
            quizzes=quizzes,
            cases=cases,
            assets=assets,
            source=self.source,
        )

    def _check_assets(self) -> None:
        """Assets are judged by content: an allow-listed media type whose name fits it, and SVG
        only when it carries no script, handler or outside reference (uploads through the
        browser are sanitised before they get here; files on disk must already be clean)."""
        for path in sorted(self.source.content):
            if not path.startswith("assets/"):
                continue
            data = self.source.content[path]
            try:
                media_type = media.check(path, data, media.PACKAGE_TYPES)
            except media.MediaError as error:
                self.problems.append(Problem(self.name(path), 0, str(error)))
                continue
            if media_type == media.SVG:
                for message in media.svg_problems(data):
                    self.problems.append(Problem(self.name(path), 0, message))

    def _module_folders(self) -> dict[str, str]:
        folders: dict[str, str] = {}
        tops = sorted({path.split("/")[0] for path in self.source.content if "/" in path})
        for top in tops:
            match = MODULE_FOLDER.match(top)
            if top in RESERVED_FOLDERS:
                continue
            if not match:
                message = f"folder '{top}/' is not a module (NN-<slug>/), cases/ or assets/"
                self.problems.append(Problem(self.name(top), 0, message))
            elif match.group(2) in folders:
                message = f"module slug '{match.group(2)}' is used by two folders"
                self.problems.append(Problem(self.name(top), 0, message))
            else:
                folders[match.group(2)] = top
        return folders

    def _modules(self, course: YamlDocument, folders: dict[str, str]) -> list[Module]:
        modules: list[Module] = []
        seen: set[str] = set()
        objective_ids: dict[str, str] = {}
        for index, slug in enumerate(
            course.data.get("modules") if _strings(course.data.get("modules")) else []
        ):
            if slug in seen:
                self.problems.append(
                    course.problem(f"duplicate module slug '{slug}'", "modules", index)
                )
                continue
            seen.add(slug)
            if slug not in folders:
                message = f"module '{slug}' is listed but there is no folder NN-{slug}/"
                self.problems.append(course.problem(message, "modules", index))
                continue
            module = self._module(slug, folders[slug], objective_ids)
            if module is not None:
                modules.append(module)
        for slug, folder in folders.items():
            if slug not in seen:
                message = f"module folder '{folder}/' is not listed in course.yaml"
                self.problems.append(Problem(self.name(f"{folder}/module.yaml"), 1, message))
        return modules

    def _module(self, slug: str, folder: str, objective_ids: dict[str, str]) -> Module | None:
        doc = self.yaml(f"{folder}/module.yaml", "module")
        if doc is None:
            return None
        data = doc.data
        self.problems += check_localised(doc, data["title"], self.locales, "title")
        self.problems += check_localised(doc, data.get("summary"), self.locales, "summary")
        for index, objective in enumerate(data["objectives"]):
            self.problems += check_localised(
                doc, objective["text"], self.locales, "objectives", index, "text"
            )
            if objective["id"] in objective_ids:
                other = objective_ids[objective["id"]]
                message = f"duplicate objective id '{objective['id']}' (also in {other}/)"
                self.problems.append(doc.problem(message, "objectives", index, "id"))
            objective_ids[objective["id"]] = folder
        items = []
        for entry in data["items"]:
            ((kind, item_slug),) = entry.items()
            items.append(ModuleItem(kind=kind, slug=item_slug))
        self.documents[slug] = doc  # kept for line numbers while checking
        return Module(slug, folder, data["title"], data.get("summary"), data["objectives"], items)

    def _quizzes(self) -> dict[str, dict]:
        quizzes: dict[str, dict] = {}
        files: dict[str, tuple[str, str]] = {}
        clean = True
        for path in sorted(self.source.quizzes):
            if "/" in path or not path.endswith((".yaml", ".yml")):
                continue
            name = self.source.quiz_name(path)
            text = _text(self.source, self.source.quizzes, name, path, self.problems)
            if text is None:
                clean = False
                continue
            parsed, problems = self.parsers.quiz(text, name, self.locales)
            self.problems += problems
            if parsed is not None:
                quiz_id = posixpath.splitext(path)[0]
                quizzes[quiz_id] = parsed
                files[quiz_id] = (name, text)
            clean = clean and not problems and parsed is not None
        if clean:  # checks across files need every file read (a broken bank is not a missing one)
            self.problems += check_course_quizzes(
                quizzes, {quiz_id: name for quiz_id, (name, _) in files.items()}, _line_in(files)
            )
        return quizzes

    def _cases(self) -> dict[str, dict]:
        grouped: dict[str, dict[str, tuple[str, str]]] = {}
        for path in sorted(self.source.content):
            if not path.startswith("cases/"):
                continue
            match = CASE_FILE.match(path)
            if not match:
                message = "case file name must be cases/<case-id>.<locale>.md"
                self.problems.append(Problem(self.name(path), 0, message))
                continue
            case_id, locale = match.groups()
            if locale not in self.locales:
                message = f"locale '{locale}' is not declared in course.yaml"
                self.problems.append(Problem(self.name(path), 0, message))
                continue
            text = _text(self.source, self.source.content, self.name(path), path, self.problems)
            if text is not None:
                grouped.setdefault(case_id, {})[locale] = (self.name(path), text)
        cases: dict[str, dict] = {}
        for case_id, sources in grouped.items():
            for locale in self.locales:
                if locale not in sources:
                    message = f"case '{case_id}' has no {locale} file (cases/{case_id}.{locale}.md)"
                    any_name = next(iter(sources.values()))[0]
                    self.problems.append(Problem(any_name, 0, message))
            parsed, problems = self.parsers.case(sources, self.locales[0])
            self.problems += problems
            if parsed is not None:
                cases[case_id] = parsed
        return cases

    def _lessons(self, modules: list[Module]) -> dict[str, Lesson]:
        files: dict[str, dict[str, str]] = {}  # slug -> locale -> path
        by_path: dict[str, str] = {}
        folders = {module.folder for module in modules}
        for path in sorted(self.source.content):
            folder, _, filename = path.partition("/")
            if folder not in folders or "/" in filename or not filename.endswith(".md"):
                continue
            match = LESSON_FILE.match(filename)
            if not match:
                message = "lesson file name must be NN-<lesson-slug>.<locale>.md"
                self.problems.append(Problem(self.name(path), 0, message))
                continue
            slug, locale = match.group(2), match.group(3)
            if locale not in self.locales:
                message = f"locale '{locale}' is not declared in course.yaml"
                self.problems.append(Problem(self.name(path), 0, message))
                continue
            if locale in files.get(f"{folder}/{slug}", {}):
                message = f"a second {locale} file for lesson '{slug}'"
                self.problems.append(Problem(self.name(path), 0, message))
                continue
            files.setdefault(f"{folder}/{slug}", {})[locale] = path
            by_path[path] = slug
        objectives = {o["id"] for module in modules for o in module.objectives}
        lessons: dict[str, Lesson] = {}
        listed: set[str] = set()
        for module in modules:
            for index, item in enumerate(module.items):
                if item.kind != "lesson":
                    continue
                key = f"{module.folder}/{item.slug}"
                if item.slug in lessons or key in listed:
                    message = f"lesson slug '{item.slug}' is listed twice in the course"
                    self.problems.append(
                        self.documents[module.slug].problem(message, "items", index, "lesson")
                    )
                    continue
                listed.add(key)
                lesson = self._lesson(module, index, files.get(key, {}), by_path, objectives)
                if lesson is not None:
                    lessons[item.slug] = lesson
        for key, locales in files.items():
            if key not in listed:
                for path in locales.values():
                    message = "lesson file is not listed in its module.yaml"
                    self.problems.append(Problem(self.name(path), 1, message))
        return lessons

    def _lesson(
        self,
        module: Module,
        index: int,
        paths: list[str],
        by_path: dict[str, str],
        objectives: set[str],
    ) -> Lesson | None:
        slug = module.items[index].slug
        texts = {}
        for locale in self.locales:
            path = paths.get(locale)
            if path is None:
                expected = f"NN-{slug}.{locale}.md in {module.folder}/"
                message = f"lesson '{slug}' has no {locale} file ({expected})"
                self.problems.append(
                    self.documents[module.slug].problem(message, "items", index, "lesson")
                )
                continue
            text = _text(self.source, self.source.content, self.name(path), path, self.problems)
            if text is None:
                continue

            def resolve(kind: str, target: str, path: str = path) -> str | None:
                return self._resolve(path, kind, target)

            rendered, problems = parse_lesson(text, self.name(path), resolve, objectives)
            self.problems += problems
            if rendered is not None:
                texts[locale] = rendered
        if len(texts) != len(self.locales):
            return None
        first = texts[self.locales[0]]
        return Lesson(
            slug=slug,
            module=module.slug,
            objectives=first.objectives,
            texts={locale: text.body for locale, text in texts.items()},
        )

    def _resolve(self, lesson_path: str, kind: str, target: str) -> str | None:
        raw_path, hash_mark, fragment = target.partition("#")
        raw_path = raw_path.split("?", 1)[0]
        resolved = posixpath.normpath(
            posixpath.join(posixpath.dirname(lesson_path), unquote(raw_path))
        )
        suffix = f"#{fragment}" if hash_mark else ""
        if kind == "link" and resolved.endswith(".md"):
            match = LESSON_FILE.match(posixpath.basename(resolved))
            folder = posixpath.dirname(resolved)
            if match and resolved in self.source.content and MODULE_FOLDER.match(folder):
                return f"{match.group(2)}{suffix}"
            raise LookupError(f"link to a lesson that does not exist: {unquote(target)}")
        if resolved.startswith("assets/") and resolved in self.source.content:
            return f"../assets/{quote(resolved.removeprefix('assets/'))}{suffix}"
        what = "image" if kind == "image" else "link"
        raise LookupError(f"{what} to an asset that does not exist: {unquote(target)}")

    def _cross_check(
        self,
        course: YamlDocument,
        modules: list[Module],
        quizzes: dict[str, dict],
        cases: dict[str, dict],
    ) -> None:
        used = {"quiz": set(), "case": set()}
        for module in modules:
            for index, item in enumerate(module.items):
                if item.kind == "lesson":
                    continue
                known = quizzes if item.kind == "quiz" else cases
                if item.slug in used[item.kind]:
                    message = f"{item.kind} '{item.slug}' is listed twice in the course"
                    self.problems.append(
                        self.documents[module.slug].problem(message, "items", index, item.kind)
                    )
                elif item.slug not in known and not self._has_file(item.kind, item.slug):
                    message = f"unknown {item.kind} id '{item.slug}'"
                    self.problems.append(
                        self.documents[module.slug].problem(message, "items", index, item.kind)
                    )
                used[item.kind].add(item.slug)
        exam = course.data.get("final_exam")
        if isinstance(exam, str) and exam not in quizzes and not self._has_file("quiz", exam):
            self.problems.append(course.problem(f"unknown quiz id '{exam}'", "final_exam"))
        for case_id in sorted(set(cases) - used["case"]):
            message = f"case '{case_id}' is not listed in any module.yaml"
            self.problems.append(
                Problem(self.name(f"cases/{case_id}.{self.locales[0]}.md"), 1, message)
            )

    def _has_file(self, kind: str, slug: str) -> bool:
        """Whether a file exists; one that failed to parse was already reported as such."""
        if kind == "quiz":
            return any(posixpath.splitext(path)[0] == slug for path in self.source.quizzes)
        return any(path.startswith(f"cases/{slug}.") for path in self.source.content)


def parse_package(
    source: PackageSource, parsers: Parsers | None = None
) -> tuple[CoursePackage | None, list[Problem]]:
    """Check and parse a whole package; the package is None whenever any problem was found."""
    reader = _Reader(source, parsers or default_parsers())
    package = reader.read()
    problems = sorted(set(reader.problems))
    return (package if not problems else None), problems
