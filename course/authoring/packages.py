"""Package zips uploaded through the browser: imported as a new version (creating the course
when it is new), or unpacked into a course's draft to replace its files without publishing.

The zip itself is read defensively by :mod:`course.authoring.packagezip` before anything here runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from course import media
from course.authoring.files import AssetError, check_asset, file_kind
from course.authoring.models import Draft
from course.authoring.service import (
    AuthoringError,
    PublishResult,
    add_instructor,
    draft_files,
    draft_files_data,
    new_draft_file,
)
from course.catalog import service as catalog
from course.catalog.formats import parse_package
from course.catalog.package import CONTENT, PackageSource

if TYPE_CHECKING:
    from collections.abc import Callable

    from course.accounts.models import User


def import_upload(
    session: Session,
    actor: User,
    source: PackageSource,
    now: datetime,
    allowed: Callable[[str], bool],
) -> PublishResult:
    """Import an uploaded package as a course version, creating the course when it is new.

    ``allowed(course)`` says whether the actor may publish an existing course; the uploader
    becomes the instructor of a course the upload creates.
    """
    _sanitise_svg_assets(source)
    package, problems = parse_package(source)
    if problems or package is None:
        return PublishResult(None, False, problems)
    existing = catalog.get_course(session, package.slug)
    if existing is not None and not allowed(existing):
        raise AuthoringError("a course with this slug exists and you are not its instructor")
    result = catalog.import_source(session, actor, source, now)
    if not result.ok:
        return PublishResult(None, False, result.problems)
    result.course.is_published = True
    if existing is None:
        add_instructor(session, actor, result.course, actor, now)
    session.flush()
    return PublishResult(result.version, result.created, [])


def _sanitise_svg_assets(source: PackageSource) -> None:
    """Uploaded SVG assets are kept as svg-hush sanitised them; anything refused is left for
    the package checker to report with the others."""
    for path, data in list(source.content.items()):
        if path.startswith("assets/") and media.sniff(data) == media.SVG:
            try:
                source.content[path] = media.sanitise_svg(data)
            except media.MediaError:
                continue


def replace_draft_files(
    session: Session, actor: User, draft: Draft, slug: str, source: PackageSource, now: datetime
) -> tuple[int, int, int]:
    """Make the draft's files those of an uploaded package (nothing is published).

    The package must be of this course (``content/<slug>/``) and its images must pass the same
    checks as an upload into assets/. Changed files get a new revision, so an editor left open on
    one is warned on save instead of overwriting the upload. Returns (added, changed, removed).
    """
    if source.content_label != f"{CONTENT}/{slug}":
        raise AuthoringError(f"the zip holds another course; its files belong in content/{slug}/")
    incoming = {(area, path): data for area, path, data in source.files()}
    for (area, path), data in incoming.items():
        if file_kind(area, path).kind == "asset":
            try:
                incoming[(area, path)] = check_asset(path, data)
            except AssetError as error:
                raise AuthoringError(f"{path}: {error}") from None
    existing = {(row.area, row.path): row for row in draft_files(session, draft)}
    added = changed = removed = 0
    for key, row in existing.items():
        if key not in incoming:
            session.delete(row)
            removed += 1
    current = draft_files_data(session, draft)
    for (area, path), data in incoming.items():
        row = existing.get((area, path))
        if row is None:
            draft.files.append(new_draft_file(area, path, data, actor, now))
            added += 1
        elif current[(area, path)] != data:
            row.data, row.size, row.revision = data, len(data), row.revision + 1
            row.updated_by_id, row.updated_at = getattr(actor, "id", None), now
            changed += 1
    draft.updated_at = now
    session.flush()
    return added, changed, removed
