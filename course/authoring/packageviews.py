"""Package zips in the browser: download a version or the draft, upload a zip as a new version,
or upload one into the draft to replace its files (checked, not published)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course import policy
from course.authoring import packages, service
from course.authoring.blueprint import bp, course_or_404, draft_or_redirect
from course.authoring.packagezip import PackageZipError, read_zip, write_zip
from course.db import utcnow
from course.extensions import db

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue


@bp.post("/upload")
@login_required
def upload() -> ResponseReturnValue:
    """Import a package zip as a new version (of a new course, or of one the user authors)."""
    policy.require(current_user, "course.create")
    upload = request.files.get("package")
    try:
        source = read_zip(upload.read() if upload else b"")
        result = packages.import_upload(
            db.session,
            current_user,
            source,
            utcnow(),
            allowed=lambda course: policy.can(current_user, "course.author", course),
        )
    except PackageZipError as error:
        db.session.rollback()
        return _unreadable_zip(_("The package was not imported: %(reason)s", reason=str(error)))
    except service.AuthoringError as error:
        db.session.rollback()
        flash(_("The package was not imported: %(reason)s", reason=str(error)), "error")
        return redirect(url_for("authoring.index"))
    if result.problems:
        db.session.rollback()
        return render_template("authoring/problems.html", problems=result.problems, course=None)
    db.session.commit()
    flash(_("Version %(number)s published.", number=result.version.number), "success")
    return redirect(url_for("authoring.course", slug=result.version.course.slug))


@bp.post("/<slug>/draft/upload")
@login_required
def upload_into_draft(slug: str) -> ResponseReturnValue:
    """Replace the draft's files with those of an uploaded package zip, without publishing."""
    course = course_or_404(slug)
    draft = draft_or_redirect(course)
    upload = request.files.get("package")
    try:
        source = read_zip(upload.read() if upload else b"")
        added, changed, removed = packages.replace_draft_files(
            db.session, current_user, draft, slug, source, utcnow()
        )
    except PackageZipError as error:
        db.session.rollback()
        return _unreadable_zip(_("The draft was not changed: %(reason)s", reason=str(error)))
    except service.AuthoringError as error:
        db.session.rollback()
        flash(_("The draft was not changed: %(reason)s", reason=str(error)), "error")
        return redirect(url_for("authoring.course", slug=slug))
    db.session.commit()
    flash(
        _(
            "The draft now holds the uploaded files: %(added)s added, %(changed)s changed, "
            "%(removed)s removed. Check it, then publish.",
            added=added, changed=changed, removed=removed,
        ),
        "success",
    )  # fmt: skip
    return redirect(url_for("authoring.course", slug=slug))


@bp.get("/<slug>/versions/<int:number>.zip")
@login_required
def export_version(slug: str, number: int) -> ResponseReturnValue:
    """A version's files as a package zip (the same layout ``course content import`` reads)."""
    course = course_or_404(slug)
    try:
        files = service.version_files(db.session, course, number)
    except LookupError:
        abort(404)
    return _zip(slug, f"{slug}-v{number}.zip", files)


@bp.get("/<slug>/draft.zip")
@login_required
def export_draft(slug: str) -> ResponseReturnValue:
    """The draft's files as a package zip."""
    course = course_or_404(slug)
    return _zip(
        slug, f"{slug}-draft.zip", service.draft_files_data(db.session, draft_or_redirect(course))
    )


def _zip(slug: str, name: str, files: dict) -> Response:
    data = write_zip([(area, path, blob) for (area, path), blob in files.items()], slug)
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _unreadable_zip(message: str):
    """A zip that cannot be read is a bad request: 400, with what is wrong with it."""
    return render_template("errors/error.html", code=400, message=message), 400
