"""The authoring blueprint and the loaders its handler modules share.

``views.py`` (the editor), ``packageviews.py`` (package zips) and ``quizviews.py`` (the quiz form)
register their handlers on ``bp``; ``create_app`` imports all three before registering it.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from course import policy
from course.authoring import service
from course.authoring.models import Draft
from course.catalog.models import Course
from course.extensions import db

bp = Blueprint("authoring", __name__, url_prefix="/author")


def course_or_404(slug: str) -> Course:
    """The course with this slug, which the signed-in user may author (404, or 403)."""
    course = db.first_or_404(select(Course).where(Course.slug == slug))
    policy.require(current_user, "course.author", course)
    return course


def draft_or_redirect(course: Course) -> Draft:
    """The course's open draft; without one, back to the course's page with a hint."""
    draft = service.get_draft(db.session, course)
    if draft is None:
        flash(_("Start a draft to edit this course."), "info")
        abort(redirect(url_for("authoring.course", slug=course.slug)))
    return draft
