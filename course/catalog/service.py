"""Course use cases: import a package as a new version, export it, and look courses up.

Services take the session, the acting user and the time; they ``flush()`` and leave the commit
(or the rollback) to the view or command that called them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, undefer

from course.catalog.formats import Parsers, parse_package
from course.catalog.models import (
    Course,
    CourseFile,
    CourseLesson,
    CourseVersion,
    is_current_version,
)
from course.catalog.package import CoursePackage, PackageSource, read_folder, write_folder
from course.catalog.search import index_lessons
from course.i18n import localized
from course.problems import Problem

if TYPE_CHECKING:
    from typing import Any

    from course.accounts.models import User


@dataclass
class ImportResult:
    """What an import did: the course and its current version, whether a version was created,
    or the problems that stopped it (then nothing was written)."""

    course: Course | None = None
    version: CourseVersion | None = None
    created: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class OutlineItem:
    """One entry of a module: ``kind`` lesson | quiz | case, its slug and localised title."""

    kind: str
    slug: str
    title: str


@dataclass(frozen=True)
class OutlineModule:
    """A module with its localised title, summary, objectives and items in order."""

    slug: str
    title: str
    summary: str
    objectives: list[str]
    items: list[OutlineItem]

    @property
    def lesson_slugs(self) -> list[str]:
        return [item.slug for item in self.items if item.kind == "lesson"]


def get_course(session: Session, slug: str) -> Course | None:
    """The course with this slug, published or not."""
    return session.scalar(select(Course).where(Course.slug == slug))


def current_version(session: Session, course: Course) -> CourseVersion:
    """The version learners currently see."""
    return session.scalars(select(CourseVersion).where(is_current_version(course))).one()


_COURSE_WITH_VERSION = (
    select(Course, CourseVersion)
    .join(CourseVersion, is_current_version())
    .where(Course.slug == bindparam("slug"))
)


def course_with_version(session: Session, slug: str) -> tuple[Course, CourseVersion] | None:
    """A course and its current version in one query (for pages)."""
    row = session.execute(_COURSE_WITH_VERSION, {"slug": slug}).first()
    return (row[0], row[1]) if row else None


def get_quiz_definition(session: Session, version: CourseVersion, quiz_id: str) -> dict | None:
    """The parsed quiz (or ``bank``) stored with ``version``."""
    return (version.quizzes or {}).get(quiz_id)


def get_case_definition(session: Session, version: CourseVersion, case_id: str) -> dict | None:
    """The parsed case study stored with ``version``."""
    return (version.cases or {}).get(case_id)


def course_outline(session: Session, version: CourseVersion, locale: str) -> list[OutlineModule]:
    """The modules of ``version`` with their items in order, titles in ``locale``."""
    return [
        OutlineModule(
            slug=module["slug"],
            title=localized(module["title"], locale),
            summary=localized(module.get("summary"), locale),
            objectives=[localized(o["text"], locale) for o in module.get("objectives", [])],
            items=[
                OutlineItem(item["kind"], item["slug"], localized(item.get("title"), locale))
                for item in module["items"]
            ],
        )
        for module in version.manifest["modules"]
    ]


def lesson_slugs(version: CourseVersion) -> list[str]:
    """Every lesson slug of ``version``, in course order."""
    return [
        item["slug"]
        for module in version.manifest["modules"]
        for item in module["items"]
        if item["kind"] == "lesson"
    ]


def check_folder(
    path: Path, parsers: Parsers | None = None
) -> tuple[CoursePackage | None, list[Problem]]:
    """Read and check a package folder without touching the database."""
    return parse_package(read_folder(Path(path)), parsers)


def import_package(
    session: Session, actor: User, path: Path, now: datetime, parsers: Parsers | None = None
) -> ImportResult:
    """Check the package at ``path`` and store it as the course's new current version.

    Nothing is written when any problem is found. Importing the bytes of the current version
    again is a no-op (``created`` is False).
    """
    return import_source(session, actor, read_folder(Path(path)), now, parsers)


def import_source(
    session: Session,
    actor: User,
    source: PackageSource,
    now: datetime,
    parsers: Parsers | None = None,
) -> ImportResult:
    """Like :func:`import_package`, from files already in memory (the web editor publishes so)."""
    package, problems = parse_package(source, parsers)
    if problems or package is None:
        return ImportResult(problems=problems)
    content_hash = source.content_hash()
    course = get_course(session, package.slug)
    if course is not None and course.current_number:
        current = current_version(session, course)
        if current.content_hash == content_hash:
            return ImportResult(course=course, version=current, created=False)
    if course is None:
        course = Course(slug=package.slug, created_at=now)
        session.add(course)
    settings = package.settings
    course.title = _as_map(settings["title"], package.locales)
    course.summary = _as_map(settings.get("summary") or "", package.locales)
    course.hours = float(settings["hours"])
    course.enrolment = settings.get("enrolment", "open")
    course.updated_at = now
    session.flush()
    number = (
        session.scalar(
            select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)
        )
        or 0
    ) + 1
    version = CourseVersion(
        course_id=course.id,
        number=number,
        content_hash=content_hash,
        label=str(settings.get("version", "")),
        manifest=package.manifest(),
        quizzes=package.quizzes,
        cases=package.cases,
        created_at=now,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(version)
    session.flush()
    lessons = _lesson_rows(version, package)
    session.add_all(lessons)
    session.add_all(
        CourseFile(
            version_id=version.id,
            area=area,
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
        )
        for area, path, data in source.files()
    )
    course.current_number = number
    session.flush()
    index_lessons(session, lessons)
    return ImportResult(course=course, version=version, created=True)


def _as_map(value: Any, locales: list[str]) -> dict:
    return dict(value) if isinstance(value, dict) else {locale: value for locale in locales}


def _lesson_rows(version: CourseVersion, package: CoursePackage) -> list[CourseLesson]:
    rows = []
    position = 0
    for module in package.modules:
        for item in module.items:
            if item.kind != "lesson":
                continue
            lesson = package.lessons[item.slug]
            for locale, body in lesson.texts.items():
                rows.append(
                    CourseLesson(
                        version_id=version.id,
                        slug=lesson.slug,
                        locale=locale,
                        module_slug=module.slug,
                        position=position,
                        title=body.title,
                        minutes=body.minutes,
                        html=body.html,
                        toc=[entry.__dict__ for entry in body.toc],
                        text=body.text,
                    )
                )
            position += 1
    return rows


def version_source(session: Session, version: CourseVersion) -> PackageSource:
    """The source files of ``version``, as imported."""
    files = session.scalars(
        select(CourseFile)
        .where(CourseFile.version_id == version.id)
        .options(undefer(CourseFile.data))
    )
    source = PackageSource(
        content_label=f"content/{version.course.slug}",
        quizzes_label=f"quizzes/{version.course.slug}",
    )
    for row in files:
        getattr(source, row.area)[row.path] = row.data
    return source


def export_course(session: Session, slug: str, out: Path) -> Path:
    """Write the current version's files to ``out/content/<slug>`` and ``out/quizzes/<slug>``.

    Returns the content folder. Raises LookupError for an unknown course.
    """
    course = get_course(session, slug)
    if course is None or not course.current_number:
        raise LookupError(slug)
    source = version_source(session, current_version(session, course))
    return write_folder(source.files(), Path(out), slug)


def asset(session: Session, version: CourseVersion, path: str) -> CourseFile | None:
    """One file under ``assets/`` of ``version``, with its bytes."""
    return session.scalar(
        select(CourseFile)
        .where(
            CourseFile.version_id == version.id,
            CourseFile.area == "content",
            CourseFile.path == f"assets/{path}",
        )
        .options(undefer(CourseFile.data))
    )
