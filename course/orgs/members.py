"""People who leave: an org admin deactivates, reactivates or removes a member; each asks for
confirmation on a page of its own (no script needed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course.db import utcnow
from course.extensions import db
from course.orgs import service
from course.orgs.views import bp, org_or_404
from course.policy import require

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue


ACTIONS = ("deactivate", "reactivate", "remove")


@bp.route("/orgs/<slug>/members/<int:user_id>/<action>", methods=["GET", "POST"])
@login_required
def member_action(slug: str, user_id: int, action: str) -> ResponseReturnValue:
    """Confirm, then deactivate, reactivate or remove one member."""
    if action not in ACTIONS:
        abort(404)
    org = org_or_404(slug)
    require(current_user, "org.members.manage", org)
    membership = service.membership_of(db.session, org, user_id)
    if membership is None:
        abort(404)
    if membership.user_id == current_user.id and action != "reactivate":
        flash(_("You cannot deactivate or remove yourself."), "error")
        return redirect(url_for("orgs.home", slug=org.slug))
    if request.method == "GET":
        return render_template(
            "orgs/member_confirm.html", org=org, membership=membership, action=action
        )
    if action == "deactivate":
        service.deactivate_member(db.session, membership, utcnow())
        message = _(
            "%(name)s is deactivated. Their records are kept.", name=membership.user.display_name
        )
    elif action == "reactivate":
        service.reactivate_member(db.session, membership)
        message = _("%(name)s is active again.", name=membership.user.display_name)
    else:
        name = membership.user.display_name
        service.remove_member(db.session, membership)
        message = _("%(name)s has left the organisation. Their records are kept.", name=name)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("orgs.home", slug=org.slug))
