"""The profile's e-mail switches: one per group of notifications."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course.extensions import db
from course.notifications.rules import GROUPS

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue


bp = Blueprint("notifications", __name__)


def group_labels() -> dict[str, str]:
    return {
        "assignments": _("A course is assigned to me"),
        "reminders": _("Reminders 7 days and 1 day before a due date, and when it has passed"),
        "grading": _("My essay or reflection has been graded"),
        "certificates": _("My certificate has been issued"),
        "expiry": _("My certificate expires in 60 and in 30 days"),
    }


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings() -> ResponseReturnValue:
    if request.method == "POST":
        chosen = set(request.form.getlist("on"))
        current_user.notification_opt_outs = [g for g in GROUPS if g not in chosen]
        db.session.commit()
        flash(_("Your e-mail settings have been saved."), "success")
        return redirect(url_for("notifications.settings"))
    off = set(current_user.notification_opt_outs or [])
    return render_template(
        "notifications/settings.html", groups=GROUPS, labels=group_labels(), off=off
    )
