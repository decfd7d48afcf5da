"""Platform admins find accounts and deactivate or reactivate them everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from course.accounts import service
from course.accounts.models import User
from course.accounts.views import bp
from course.db import utcnow
from course.extensions import db
from course.policy import require

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue


PAGE_SIZE = 50


@bp.get("/admin/users")
@login_required
def users() -> ResponseReturnValue:
    """Search accounts by name or e-mail (paginated, counted in SQL)."""
    require(current_user, "platform.admin")
    query = request.args.get("q", "").strip()[:200]
    statement = select(User).order_by(User.email)
    if query:
        needle = f"%{query.lower()}%"
        statement = statement.where(
            or_(func.lower(User.email).like(needle), func.lower(User.display_name).like(needle))
        )
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = db.session.scalars(statement.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "accounts/admin_users.html",
        users=found,
        query=query,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
    )


@bp.post("/admin/users/<int:user_id>/<action>")
@login_required
def user_action(user_id: int, action: str) -> ResponseReturnValue:
    """Deactivate (every session ends at once) or reactivate an account."""
    require(current_user, "platform.admin")
    user = db.get_or_404(User, user_id)
    if action == "deactivate":
        if user.id == current_user.id:
            flash(_("You cannot deactivate your own account."), "error")
            return redirect(url_for("accounts.users"))
        service.deactivate_user(db.session, user, utcnow())
        flash(_("%(email)s is deactivated and signed out everywhere.", email=user.email), "success")
    elif action == "reactivate":
        service.reactivate_user(db.session, user)
        flash(_("%(email)s can sign in again.", email=user.email), "success")
    else:
        abort(404)
    db.session.commit()
    return redirect(url_for("accounts.users", q=request.args.get("q", "")))
