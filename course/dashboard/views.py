"""The front page, each user's dashboard, and the language switcher."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from course import navigation
from course.dashboard import sections
from course.db import utcnow
from course.extensions import db
from course.i18n import normalise
from course.orgs import service as orgs
from course.policy import administers, can
from course.web import safe_next_url

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue


bp = Blueprint("dashboard", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    """The public front page; signed-in users go to their dashboard."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    from course.catalog import pages

    return render_template("dashboard/home.html", entries=pages.catalogue(db.session, current_user))


@bp.get("/dashboard")
@login_required
def index() -> ResponseReturnValue:
    """What this user should do next, by role."""
    navigation.remember(current_user)
    memberships = orgs.organisations_of(db.session, current_user)
    managed = [org for org in memberships if administers(current_user, org)]
    return render_template(
        "dashboard/index.html",
        sections=sections.render_list(current_user, utcnow()),
        managed=managed,
        is_platform_admin=can(current_user, "platform.admin"),
    )


@bp.post("/language")
def set_language() -> ResponseReturnValue:
    """Switch the interface language and come back to the same page."""
    locale = normalise(request.form.get("lang")) or "zh-CN"
    session["lang"] = locale
    if current_user.is_authenticated and current_user.locale != locale:
        current_user.locale = locale
        db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("dashboard.home"))
