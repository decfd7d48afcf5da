"""A person's data: download it as one ZIP, or ask for the account to be erased."""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from course.accounts.passwords import verify_password
from course.audit import service as audit
from course.db import utcnow
from course.extensions import db
from course.privacy import service

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue


bp = Blueprint("privacy", __name__)


@bp.get("/account/data")
@login_required
def overview() -> ResponseReturnValue:
    return render_template("privacy/data.html")


@bp.post("/account/data.zip")
@login_required
def download() -> ResponseReturnValue:
    """Everything the platform holds about the signed-in person, as JSON and CSV in a ZIP."""
    now = utcnow()
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by the stream
    service.write_zip(db.session, current_user._get_current_object(), spool, now)
    audit.record(db.session, "account.data_export", subject_user_id=current_user.id)
    db.session.commit()
    size = spool.tell()
    spool.seek(0)

    def chunks():
        try:
            while chunk := spool.read(64 * 1024):
                yield chunk
        finally:
            spool.close()

    response = Response(chunks(), mimetype="application/zip")
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="my-data-{now.strftime("%Y%m%d")}.zip"'
    )
    return response


@bp.post("/account/delete")
@login_required
def delete() -> ResponseReturnValue:
    """Erase the account after the person confirms with their password."""
    if not verify_password(current_user.password_hash, request.form.get("password", "")):
        flash(_("The password is not correct; nothing was deleted."), "error")
        return redirect(url_for("privacy.overview"))
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm; nothing was deleted."), "error")
        return redirect(url_for("privacy.overview"))
    withdraw = request.form.get("certificates", "withdraw") != "keep"
    user = current_user._get_current_object()
    service.erase(db.session, user, withdraw, utcnow())
    db.session.commit()
    logout_user()
    flash(_("Your account has been deleted and your personal data erased."), "success")
    return redirect(url_for("dashboard.home"))
