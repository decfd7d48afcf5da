"""The audit trail's pages: everything for platform admins, one organisation for its admins;
filtered by person, action and dates; exported as CSV or XLSX (streamed)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course import logs
from course.audit import service
from course.db import utcnow
from course.extensions import db
from course.orgs.service import get_organisation
from course.policy import require
from course.web import writes_on_get

if TYPE_CHECKING:
    from typing import Any

    from flask.typing import ResponseReturnValue

    from course.orgs.models import Organisation


bp = Blueprint("audit", __name__)

PAGE_SIZE = 50


def web_origin() -> service.Origin | None:
    """Who acts in this request: the signed-in user (already loaded by the view), the client."""
    from flask import has_request_context

    if not has_request_context():
        return None
    user = g.get("_login_user")
    actor = user.id if getattr(user, "is_authenticated", False) else None
    return service.Origin(actor, request.remote_addr or "", logs.request_id.get())


def _date(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        abort(400, _("Dates are written as YYYY-MM-DD."))
    from datetime import UTC

    return datetime.combine(day, time.min, tzinfo=UTC)


def _filters() -> service.Filters:
    until = _date("until")
    action = request.args.get("action", "")
    if (
        action
        and action not in service.ACTIONS
        and not (action.endswith(".") and any(a.startswith(action) for a in service.ACTIONS))
    ):
        abort(400, _("Unknown action."))
    return service.Filters(
        person=request.args.get("person", "")[:200],
        action=action,
        since=_date("since"),
        until=until + timedelta(days=1) if until else None,  # the whole last day
    )


def _labels() -> dict[str, str]:
    return {
        "sign_in.success": _("Signed in"),
        "sign_in.failure": _("Sign-in failed"),
        "sign_out": _("Signed out"),
        "account.create": _("Account created"),
        "account.password": _("Password changed or reset"),
        "account.platform_admin": _("Platform admin role changed"),
        "account.deactivate": _("Account deactivated"),
        "account.reactivate": _("Account reactivated"),
        "account.delete": _("Account deleted (anonymised)"),
        "account.data_export": _("Personal data downloaded"),
        "membership.add": _("Member added"),
        "membership.role": _("Role changed"),
        "membership.deactivate": _("Member deactivated"),
        "membership.reactivate": _("Member reactivated"),
        "membership.remove": _("Member removed"),
        "invitation.create": _("Invitation sent"),
        "invitation.accept": _("Invitation accepted"),
        "staff_import.confirm": _("Staff list imported"),
        "assignment.create": _("Course assigned"),
        "org.create": _("Organisation created"),
        "org.settings": _("Organisation settings changed"),
        "course.publish": _("Course version published"),
        "certificate.issue": _("Certificate issued"),
        "certificate.override": _("Certificate issued by override"),
        "certificate.reissue": _("Certificate re-issued"),
        "certificate.revoke": _("Certificate revoked"),
        "certificate.visibility": _("Certificate visibility changed"),
        "key.create": _("Signing key created"),
        "key.retire": _("Signing key retired"),
        "export.report": _("Report exported"),
        "export.audit": _("Audit trail exported"),
        "notification.sent": _("Notification sent"),
    }


def _show(organisation_id: int | None, org: Organisation | None = None):
    filters = _filters()
    kind = request.args.get("export")
    if kind in ("csv", "xlsx"):
        service.record(
            db.session,
            "export.audit",
            organisation_id=organisation_id,
            details={"format": kind, "action": filters.action, "person": filters.person},
        )
        db.session.commit()
        return _export(organisation_id, filters, kind)
    number = max(request.args.get("page", 1, type=int) or 1, 1)
    events, total = service.page(db.session, organisation_id, filters, number, PAGE_SIZE)
    return render_template(
        "audit/list.html",
        org=org,
        events=events,
        people=service.people_of(db.session, events),
        total=total,
        page=number,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        filters=filters,
        labels=_labels(),
        actions=service.ACTIONS,
        link=_link,
    )


def _link(**changes) -> str:
    """This page's address with some query arguments changed (filters kept)."""
    args = request.args.to_dict()
    if "export" not in changes:
        args.pop("export", None)
    args.update(changes)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


HEADER = ("time_utc", "action", "actor", "subject", "organisation_id", "target", "origin",
          "request_id", "details")  # fmt: skip


def _cells(row: Any) -> list:
    event, actor_email, subject_email = row
    import json

    target = f"{event.target_type}:{event.target_id}" if event.target_type else ""
    return [
        event.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        event.action,
        actor_email or (f"#{event.actor_id}" if event.actor_id else ""),
        subject_email or (f"#{event.subject_user_id}" if event.subject_user_id else ""),
        event.organisation_id or "",
        target,
        event.origin,
        event.request_id or "",
        json.dumps(event.details, ensure_ascii=False) if event.details else "",
    ]


def _export(organisation_id: int | None, filters: service.Filters, kind: str) -> Response:
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    name = f"audit-{stamp}.{kind}"
    rows = service.stream(db.session, organisation_id, filters)
    if kind == "csv":

        def generate():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            buffer.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese text correctly
            writer.writerow(HEADER)
            for row in rows:
                writer.writerow(_cells(row))
                if buffer.tell() > 64 * 1024:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        response = Response(stream_with_context(generate()), mimetype="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("audit")
        sheet.append(list(HEADER))
        for row in rows:
            sheet.append(_cells(row))
        output = io.BytesIO()
        workbook.save(output)
        response = Response(
            output.getvalue(),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/admin/audit")
@writes_on_get  # an export is recorded in the trail
@login_required
def everything() -> ResponseReturnValue:
    require(current_user, "audit.read_all")
    return _show(None)


@bp.get("/orgs/<slug>/audit")
@writes_on_get
@login_required
def organisation(slug: str) -> ResponseReturnValue:
    org = get_organisation(db.session, slug)
    if org is None:
        abort(404)
    require(current_user, "audit.read", org)
    return _show(org.id, org)
