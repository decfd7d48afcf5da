"""The trainee's reading pages: catalogue, course, lesson, assets and search."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course import policy, shells
from course.accounts.service import parse_login_id
from course.catalog import pages, service
from course.catalog.search import search_lessons
from course.dashboard import sections
from course.db import utcnow
from course.extensions import db
from course.i18n import current_locale
from course.progress import service as progress
from course.web import send_untrusted

if TYPE_CHECKING:
    from datetime import datetime

    from flask.typing import ResponseReturnValue

    from course.accounts.models import User


bp = Blueprint("catalog", __name__)

ASSET_MAX_AGE = 365 * 24 * 3600


@bp.get("/courses")
def catalogue() -> ResponseReturnValue:
    """The published courses."""
    entries = pages.catalogue(db.session, current_user)
    return render_template("catalog/catalogue.html", entries=entries)


@bp.get("/courses/<slug>")
def course(slug: str) -> ResponseReturnValue:
    """A course: its modules, objectives, hours and the trainee's progress per module."""
    page = pages.course_page(db.session, current_user, slug, current_locale())
    if page is None or not policy.can_view_course(current_user, page.course):
        abort(404)
    return render_template("catalog/course.html", page=page, now=utcnow())


@bp.post("/courses/<slug>/enrol")
@login_required
def enrol(slug: str) -> ResponseReturnValue:
    """Enrol the signed-in user (open courses, or courses assigned to one of their cohorts)."""
    course = service.get_course(db.session, slug)
    if course is None or not policy.can_view_course(current_user, course):
        abort(404)
    policy.require(current_user, "catalog.enrol", course)
    try:
        progress.enrol(db.session, current_user, course, utcnow())
    except progress.EnrolmentRefused:
        flash(_("This course is only open to staff it has been assigned to."), "error")
        return redirect(url_for("catalog.course", slug=slug))
    db.session.commit()
    flash(_("You are enrolled. Enjoy the course."), "success")
    return redirect(url_for("catalog.course", slug=slug))


@bp.get("/courses/<slug>/lessons/<lesson>")
def lesson(slug: str, lesson: str) -> ResponseReturnValue:
    """A lesson with its table of contents, previous/next and its completion control.

    The page's one query also reads the reader named by the session, so the login check that
    follows costs no second round trip (``login_required`` would load the user first).
    """
    login = parse_login_id(session.get("_user_id"))
    found = login and pages.reading(db.session, login[0], slug)
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not found or found.reader.id != current_user.id:
        # Signed in by the remember-me cookie (or an unknown course): read for the actual user.
        found = pages.reading(db.session, current_user.id, slug)
    page = found and pages.lesson_page(db.session, found, lesson, current_locale())
    if not page or not policy.can_view_course(current_user, page.course):
        abort(404)
    if not policy.can(current_user, "catalog.lesson.read", page.enrolment or page.course):
        flash(_("Enrol in the course to read its lessons."), "info")
        return redirect(url_for("catalog.course", slug=slug))
    state = (
        page.version.content_hash,
        page.lesson.slug,
        page.is_done,
        page.enrolment is not None,
        page.module_percent,
    )
    return shells.render("catalog/lesson.html", state, page=page)


@bp.post("/courses/<slug>/lessons/<lesson>/complete")
@login_required
def complete(slug: str, lesson: str) -> ResponseReturnValue:
    """Mark a lesson complete (also sent by the page when the trainee reads to the end)."""
    found = service.course_with_version(db.session, slug)
    if found is None or lesson not in service.lesson_slugs(found[1]):
        abort(404)
    enrolment = progress.get_enrolment(db.session, current_user.id, found[0].id)
    policy.require(current_user, "catalog.lesson.complete", enrolment)
    progress.complete_lesson(db.session, current_user, found[0], lesson, utcnow())
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return {"completed": lesson}
    target = request.form.get("next_lesson")
    if target in service.lesson_slugs(found[1]):
        return redirect(url_for("catalog.lesson", slug=slug, lesson=target))
    return redirect(url_for("catalog.lesson", slug=slug, lesson=lesson))


@bp.get("/courses/<slug>/assets/<path:path>")
def asset(slug: str, path: str) -> ResponseReturnValue:
    """An image or file from the course's assets/ folder, cached for a year by the browser."""
    parts = PurePosixPath(path).parts
    if not parts or any(part in ("..", ".") or part.startswith(".") for part in parts):
        abort(404)
    found = service.course_with_version(db.session, slug)
    if found is None or not policy.can_view_course(current_user, found[0]):
        abort(404)
    file = service.asset(db.session, found[1], "/".join(parts))
    if file is None:
        abort(404)
    return send_untrusted(
        file.data,
        path,
        cache_control=f"public, max-age={ASSET_MAX_AGE}, immutable",
        etag=file.sha256,
    )


@bp.get("/search")
def search() -> ResponseReturnValue:
    """Lessons containing every word of ``q``, in the reader's language."""
    query = request.args.get("q", "").strip()[:200]
    hits = search_lessons(db.session, query, current_locale()) if query else []
    return render_template("catalog/search.html", query=query, hits=hits)


@sections.register("my-courses", "catalog/_dashboard.html", order=10)
def _dashboard_section(user: User, now: datetime):
    courses = pages.my_courses(db.session, user, now, current_locale())
    return {"courses": courses, "now": now} if courses else None
