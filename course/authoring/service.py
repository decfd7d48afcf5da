"""Authoring use cases: courses and their instructors, drafts and their files, publishing.

A draft is a mutable working copy of a course package's files. Saving a file is optimistic: the
editor sends the revision it loaded, and a save on top of someone else's newer save is refused
with :class:`EditConflict` (carrying their text), never silently overwriting it. Publishing runs
the catalog's own checker and import on the draft's files, exactly as ``course content import``
does on a folder, so the web and the command line make identical versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload, undefer

from course.authoring.diff import FileDiff, diff_files
from course.authoring.files import SLUG, check_image, file_kind, starter_files
from course.authoring.models import CourseInstructor, Draft, DraftFile
from course.catalog import service as catalog
from course.catalog.formats import parse_package
from course.catalog.models import Course, CourseFile, CourseVersion
from course.catalog.package import CONTENT, PackageSource
from course.catalog.quality import check_quality
from course.memo import Memo
from course.problems import Finding, Problem

if TYPE_CHECKING:
    from course.accounts.models import User


class AuthoringError(ValueError):
    """A request the author can fix; the message says how."""


@dataclass
class EditConflict(Exception):
    """Someone saved the file after the editor loaded it; their version is attached."""

    file: DraftFile
    text: str


@dataclass
class PublishResult:
    """The version made (``created`` False when the draft equals the current version), or the
    problems that stopped publishing (then nothing was written and the draft remains)."""

    version: CourseVersion | None
    created: bool
    problems: list[Problem]


# -- courses and instructors ---------------------------------------------------------------


def is_instructor(session: Session, user_id: int, course_id: int) -> bool:
    """Whether the user is one of the course's instructors."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    CourseInstructor.course_id == course_id, CourseInstructor.user_id == user_id
                )
            )
        )
    )


def instructors_of(session: Session, course: Course) -> list[CourseInstructor]:
    """The course's instructors with their users, in the order they were added."""
    return list(
        session.scalars(
            select(CourseInstructor)
            .where(CourseInstructor.course_id == course.id)
            .options(joinedload(CourseInstructor.user))
            .order_by(CourseInstructor.id)
        )
    )


def add_instructor(
    session: Session, actor: User, course: Course, user: User, now: datetime
) -> CourseInstructor:
    """Make ``user`` an instructor of ``course`` (no change when they already are)."""
    existing = session.scalar(
        select(CourseInstructor).where(
            CourseInstructor.course_id == course.id, CourseInstructor.user_id == user.id
        )
    )
    if existing is not None:
        return existing
    row = CourseInstructor(
        course_id=course.id, user_id=user.id, added_at=now, added_by_id=getattr(actor, "id", None)
    )
    session.add(row)
    session.flush()
    return row


def authored_courses(session: Session, user: User) -> list[Course]:
    """The courses the user may author: their own, or every course for a platform admin."""
    query = select(Course).order_by(Course.slug)
    if not user.is_platform_admin:
        query = query.join(CourseInstructor, CourseInstructor.course_id == Course.id).where(
            CourseInstructor.user_id == user.id
        )
    return list(session.scalars(query))


def create_course(
    session: Session, actor: User, slug: str, titles: dict[str, str], now: datetime
) -> Draft:
    """A new, unpublished course with starter files in a draft; ``actor`` becomes its instructor.

    Raises :class:`AuthoringError` for a bad or taken slug or a missing title.
    """
    if not SLUG.match(slug or ""):
        raise AuthoringError("the address must be lowercase letters, digits and single hyphens")
    if catalog.get_course(session, slug) is not None:
        raise AuthoringError("a course with this address already exists")
    if not all(text.strip() for text in titles.values()):
        raise AuthoringError("give the course a title in every language")
    course = Course(
        slug=slug, title=titles, summary={}, is_published=False, current_number=0,
        created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(course)
    session.flush()
    add_instructor(session, actor, course, actor, now)
    draft = Draft(course_id=course.id, created_by_id=actor.id, created_at=now, updated_at=now)
    session.add(draft)
    for (area, path), data in starter_files(slug, titles).items():
        draft.files.append(new_draft_file(area, path, data, actor, now))
    session.flush()
    return draft


# -- drafts ------------------------------------------------------------------------------


def get_draft(session: Session, course: Course) -> Draft | None:
    """The course's open draft, if any."""
    return session.scalar(select(Draft).where(Draft.course_id == course.id))


def start_draft(session: Session, actor: User, course: Course, now: datetime) -> Draft:
    """The course's open draft, or a new one copied from the current version's files."""
    draft = get_draft(session, course)
    if draft is not None:
        return draft
    if not course.current_number:
        raise AuthoringError("this course has no version to start a draft from")
    version = catalog.current_version(session, course)
    draft = Draft(
        course_id=course.id, base_version_id=version.id, created_by_id=actor.id,
        created_at=now, updated_at=now,
    )  # fmt: skip
    session.add(draft)
    for area, path, data in catalog.version_source(session, version).files():
        draft.files.append(new_draft_file(area, path, data, actor, now))
    session.flush()
    return draft


def discard_draft(session: Session, actor: User, draft: Draft) -> None:
    """Throw a draft away (the published versions are untouched)."""
    session.delete(draft)
    session.flush()


def draft_files(session: Session, draft: Draft) -> list[DraftFile]:
    """The draft's files (without their bytes), by area and path."""
    return list(
        session.scalars(
            select(DraftFile)
            .where(DraftFile.draft_id == draft.id)
            .options(joinedload(DraftFile.updated_by))
            .order_by(DraftFile.area, DraftFile.path)
        )
    )


def get_file(session: Session, draft: Draft, area: str, path: str) -> DraftFile | None:
    """One file of the draft, with its bytes."""
    return session.scalar(
        select(DraftFile)
        .where(DraftFile.draft_id == draft.id, DraftFile.area == area, DraftFile.path == path)
        .options(undefer(DraftFile.data), joinedload(DraftFile.updated_by))
    )


def save_file(
    session: Session,
    actor: User,
    draft: Draft,
    area: str,
    path: str,
    text: str,
    base_revision: int,
    now: datetime,
) -> DraftFile:
    """Save the text of a draft file that the editor loaded at ``base_revision`` (0: a new file).

    Raises :class:`EditConflict` when the file changed since (or, for a new file, already
    exists), and :class:`AuthoringError` for a path outside the package layout.
    """
    data = text.replace("\r\n", "\n").encode("utf-8")
    current = get_file(session, draft, area, path)
    if current is None:
        if base_revision:
            raise AuthoringError("this file was deleted after you opened it")
        if file_kind(area, path).kind == "other" or area not in ("content", "quizzes"):
            raise AuthoringError("this is not a file of a course package")
        current = new_draft_file(area, path, data, actor, now)
        draft.files.append(current)
    elif current.revision != base_revision:
        raise EditConflict(current, current.data.decode("utf-8", "replace"))
    elif current.data != data:
        current.data = data
        current.size = len(data)
        current.revision += 1
        current.updated_by_id = actor.id
        current.updated_at = now
    draft.updated_at = now
    session.flush()
    return current


def delete_file(
    session: Session,
    actor: User,
    draft: Draft,
    area: str,
    path: str,
    base_revision: int,
    now: datetime,
) -> None:
    """Remove a file from the draft, unless someone saved it after the editor loaded it."""
    current = get_file(session, draft, area, path)
    if current is None:
        return
    if current.revision != base_revision:
        raise EditConflict(current, current.data.decode("utf-8", "replace"))
    session.delete(current)
    draft.updated_at = now
    session.flush()


def upload_asset(
    session: Session,
    actor: User,
    draft: Draft,
    filename: str,
    data: bytes,
    now: datetime,
    max_bytes: int,
) -> DraftFile:
    """Store an image under the draft's ``assets/`` (type and size checked; same name replaces).

    Raises :class:`course.authoring.files.AssetError` when the image is refused.
    """
    name, data = check_image(filename, data, max_bytes)
    path = f"assets/{name}"
    current = get_file(session, draft, CONTENT, path)
    if current is None:
        current = new_draft_file(CONTENT, path, data, actor, now)
        draft.files.append(current)
    else:
        current.data, current.size = data, len(data)
        current.revision += 1
        current.updated_by_id, current.updated_at = actor.id, now
    draft.updated_at = now
    session.flush()
    return current


def draft_source(session: Session, draft: Draft, slug: str) -> PackageSource:
    """The draft's files as a package, labelled as on disk for problem reports."""
    source = PackageSource(content_label=f"content/{slug}", quizzes_label=f"quizzes/{slug}")
    rows = session.scalars(
        select(DraftFile).where(DraftFile.draft_id == draft.id).options(undefer(DraftFile.data))
    )
    for row in rows:
        getattr(source, row.area)[row.path] = row.data
    return source


#: Checker results by ``(slug, content hash of the draft's files)``: every editor page shows the
#: problems and the quality warnings, and checking a whole package takes seconds on a large
#: course, while the files rarely change between two page views. A pure function of the files,
#: so the memo never goes stale.
_checks = Memo(32)


def _checked(session: Session, draft: Draft, slug: str) -> tuple[list[Problem], list[Finding]]:
    source = draft_source(session, draft, slug)

    def check() -> tuple[tuple[Problem, ...], tuple[Finding, ...]]:
        package, problems = parse_package(source)
        if package is not None and package.slug != slug:
            message = f"the slug must stay '{slug}'"
            return (Problem(source.content_name("course.yaml"), 1, message),), ()
        findings = check_quality(package) if package is not None and not problems else []
        return tuple(problems), tuple(findings)

    problems, findings = _checks.get((slug, source.content_hash()), check)
    return list(problems), list(findings)


def check_draft(session: Session, draft: Draft, slug: str) -> list[Problem]:
    """Every problem the catalog's checker finds in the draft (none means it can be published)."""
    return _checked(session, draft, slug)[0]


def draft_quality(session: Session, draft: Draft, slug: str) -> list[Finding]:
    """The assessment-quality findings of a draft that passes the checker (warnings: they do
    not stop publishing); waived findings are included, marked as such. None while the draft
    still has problems, since the quality rules read the parsed package."""
    return _checked(session, draft, slug)[1]


def publish(
    session: Session, actor: User, course: Course, draft: Draft, now: datetime
) -> PublishResult:
    """Check the draft and import it as the course's new current version, then close the draft.

    Runs the same checker and import as ``course content import``; on any problem nothing is
    written and the draft stays as it is.
    """
    problems = check_draft(session, draft, course.slug)
    if problems:
        return PublishResult(None, False, problems)
    result = catalog.import_source(session, actor, draft_source(session, draft, course.slug), now)
    if not result.ok:
        return PublishResult(None, False, result.problems)
    course.is_published = True
    session.delete(draft)
    session.flush()
    return PublishResult(result.version, result.created, [])


# -- versions ----------------------------------------------------------------------------


def versions_of(session: Session, course: Course) -> list[CourseVersion]:
    """Every version of the course, newest first."""
    return list(
        session.scalars(
            select(CourseVersion)
            .where(CourseVersion.course_id == course.id)
            .order_by(CourseVersion.number.desc())
        )
    )


def version_files(session: Session, course: Course, number: int) -> dict[tuple[str, str], bytes]:
    """The files of version ``number`` of the course (LookupError when there is none)."""
    version = session.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == course.id, CourseVersion.number == number
        )
    )
    if version is None:
        raise LookupError(number)
    rows = session.scalars(
        select(CourseFile)
        .where(CourseFile.version_id == version.id)
        .options(undefer(CourseFile.data))
    )
    return {(row.area, row.path): row.data for row in rows}


def draft_files_data(session: Session, draft: Draft) -> dict[tuple[str, str], bytes]:
    """The draft's files with their bytes, keyed like a version's."""
    rows = session.scalars(
        select(DraftFile).where(DraftFile.draft_id == draft.id).options(undefer(DraftFile.data))
    )
    return {(row.area, row.path): row.data for row in rows}


def compare(session: Session, course: Course, old: int, new: int | None) -> list[FileDiff]:
    """What changed from version ``old`` to version ``new`` (None: to the open draft)."""
    before = version_files(session, course, old)
    if new is None:
        draft = get_draft(session, course)
        if draft is None:
            raise LookupError("draft")
        return diff_files(before, draft_files_data(session, draft), f"v{old}", "draft")
    return diff_files(before, version_files(session, course, new), f"v{old}", f"v{new}")


def new_draft_file(area: str, path: str, data: bytes, actor: User, now: datetime) -> DraftFile:
    """A first-revision draft file (not yet added to a draft)."""
    return DraftFile(
        area=area, path=path, data=data, size=len(data), revision=1,
        updated_by_id=getattr(actor, "id", None), updated_at=now,
    )  # fmt: skip
