"""A trainee's own learning records (page and JSON download) and the dashboard's completion
section."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from flask import Blueprint, Response, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import and_, select

from course import links
from course.catalog.models import Course, CourseVersion, is_current_version
from course.dashboard import sections
from course.db import utcnow
from course.extensions import db
from course.i18n import current_locale, localized
from course.progress import records, service, xapi
from course.progress.models import CourseCompletion, Enrolment

if TYPE_CHECKING:
    from datetime import datetime

    from flask.typing import ResponseReturnValue

    from course.accounts.models import User


bp = Blueprint("progress", __name__)

VERB_LABELS = {
    "experienced": _l("Opened"),
    "completed": _l("Completed"),
    "attempted": _l("Started"),
    "passed": _l("Passed"),
    "failed": _l("Did not pass"),
    "answered": _l("Answered"),
}


@bp.get("/records")
@login_required
def my_records() -> ResponseReturnValue:
    """The signed-in user's latest learning records, with a link to download them all."""
    recent = records.recent(db.session, current_user.id)
    return render_template(
        "progress/records.html",
        records=recent,
        verb_label=lambda iri: VERB_LABELS.get(xapi.verb_name(iri), xapi.verb_name(iri)),
    )


@bp.get("/records.json")
@login_required
def download_records() -> ResponseReturnValue:
    """Every learning record of the signed-in user as a JSON array of xAPI statements."""
    statements = list(records.statements(db.session, links.base_url(), user_id=current_user.id))
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        json.dumps(statements, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="learning-records-{stamp}.json"'},
    )


@sections.register("completion", "progress/_dashboard.html", order=15)
def _dashboard_section(user: User, now: datetime):
    """Each enrolled course's completion rule progress, completion date and final score."""
    rows = db.session.execute(
        select(Course, CourseVersion, CourseCompletion)
        .join(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == user.id))
        .join(CourseVersion, is_current_version())
        .outerjoin(
            CourseCompletion,
            and_(CourseCompletion.course_id == Course.id, CourseCompletion.user_id == user.id),
        )
        .order_by(Enrolment.enrolled_at.desc())
    ).all()
    if not rows:
        return None
    locale = current_locale()
    courses = []
    for course, version, completion in rows:
        result = (
            None if completion else service.course_progress(db.session, user.id, course, version)
        )
        missing = [] if completion else result.missing
        titles = {
            item["slug"]: localized(item.get("title"), locale)
            for module in version.manifest["modules"]
            for item in module["items"]
            if item["kind"] == "case"
        }
        courses.append(
            {
                "slug": course.slug,
                "title": localized(course.title, locale),
                "completion": completion,
                "percent": 100.0 if completion else result.progress * 100,
                "missing": len(missing),
                # cases still to finish, linked from here
                "cases": [
                    (slug, titles.get(slug, slug))
                    for kind, _, slug in (name.partition(":") for name in missing)
                    if kind == "case"
                ],
            }
        )
    return {"courses": courses}
