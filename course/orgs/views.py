"""Organisation pages: creation, settings, members, staff import, cohorts, invitations."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from course import media, storage
from course.accounts import service as accounts
from course.accounts.tasks import send_mail_task
from course.db import utcnow
from course.extensions import db
from course.i18n import current_locale, localized
from course.orgs import imports, service
from course.orgs.forms import (
    AssignmentForm,
    CohortForm,
    ConfirmImportForm,
    InviteForm,
    OrganisationForm,
    OrganisationSettingsForm,
    StaffImportForm,
)
from course.orgs.models import Cohort, Organisation, StaffImport, StaffImportRow
from course.orgs.staff_import import HeaderError, read_table, template_csv
from course.orgs.tasks import apply_staff_import_task, invitation_mail, preview_staff_import_task
from course.pagination import paginate
from course.policy import can, require
from course.web import send_untrusted

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue
    from flask_wtf import FlaskForm

    from course.orgs.models import Invitation


bp = Blueprint("orgs", __name__)


def org_or_404(slug: str) -> Organisation:
    """The organisation with this slug, or 404 (other areas' pages use it too)."""
    org = service.get_organisation(db.session, slug)
    if org is None:
        abort(404)
    return org


@bp.route("/admin/organisations", methods=["GET", "POST"])
@login_required
def organisations() -> ResponseReturnValue:
    """Platform admins list and create organisations."""
    require(current_user, "org.create")
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = service.create_organisation(
                db.session,
                form.slug.data,
                {"zh-CN": form.name_zh.data, "en": form.name_en.data},
                utcnow(),
                signatory_name=form.signatory_name.data or "",
                signatory_title=_title(form),
                self_registration=form.self_registration.data,
            )
        except service.OrgError:
            form.slug.errors.append(_("This address name is taken."))
        else:
            db.session.commit()
            flash(_("The organisation has been created."), "success")
            return redirect(url_for("orgs.home", slug=org.slug))
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.slug)).all()
    return render_template("orgs/organisations.html", form=form, orgs=orgs)


def _title(form: OrganisationForm) -> dict[str, str]:
    return {"zh-CN": form.signatory_title_zh.data or "", "en": form.signatory_title_en.data or ""}


@bp.get("/orgs/<slug>")
@login_required
def home(slug: str) -> ResponseReturnValue:
    """An organisation's members and cohorts, for its admins."""
    org = org_or_404(slug)
    require(current_user, "org.manage", org)
    q, role = request.args.get("q", ""), request.args.get("role") or None
    return render_template(
        "orgs/home.html",
        org=org,
        members=paginate(service.members_query(org, q, role)),
        q=q,
        role=role,
        cohorts=service.cohort_summaries(db.session, org),
    )


@bp.route("/orgs/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str) -> ResponseReturnValue:
    """Name, signatory, self-registration and the branding images of an organisation."""
    org = org_or_404(slug)
    require(current_user, "org.manage", org)
    form = OrganisationSettingsForm(
        obj=org,
        name_zh=org.name.get("zh-CN"),
        name_en=org.name.get("en"),
        signatory_title_zh=(org.signatory_title or {}).get("zh-CN"),
        signatory_title_en=(org.signatory_title or {}).get("en"),
    )
    images = _branding_images(form) if form.validate_on_submit() else None
    if images is not None:
        org.name = {"zh-CN": form.name_zh.data, "en": form.name_en.data}
        org.signatory_name = form.signatory_name.data or ""
        org.signatory_title = _title(form)
        org.self_registration = form.self_registration.data
        for field, (media_type, data) in images.items():
            extension = media.EXTENSIONS[media_type][0]
            key = f"orgs/{org.id}/{field}-{secrets.token_hex(4)}.{extension}"
            storage.save(key, data)
            setattr(org, f"{field}_key", key)
        db.session.commit()
        flash(_("The settings have been saved."), "success")
        return redirect(url_for("orgs.settings", slug=slug))
    return render_template("orgs/settings.html", org=org, form=form)


def _branding_images(form: FlaskForm) -> dict[str, tuple[str, bytes]] | None:
    """The uploaded branding images judged by content (SVG sanitised), or None after putting
    the reasons on the form's fields."""
    images = {}
    for field in ("logo", "seal", "signature"):
        upload = getattr(form, field).data
        if not (upload and upload.filename):
            continue
        try:
            images[field] = media.accept(upload.filename, upload.read(), media.IMAGE_TYPES)
        except media.MediaError as error:
            getattr(form, field).errors.append(str(error))
    has_errors = any(getattr(form, field).errors for field in ("logo", "seal", "signature"))
    return None if has_errors else images


@bp.get("/orgs/<slug>/branding/<field>")
@login_required
def branding(slug: str, field: str) -> ResponseReturnValue:
    """An uploaded logo, seal or signature, for the organisation's admins."""
    org = org_or_404(slug)
    require(current_user, "org.manage", org)
    key = {"logo": org.logo_key, "seal": org.seal_key, "signature": org.signature_key}.get(field)
    if not key or not storage.exists(key):
        abort(404)
    return send_untrusted(storage.read(key), key, cache_control="private, no-cache")


@bp.route("/orgs/<slug>/invite", methods=["GET", "POST"])
@login_required
def invite(slug: str) -> ResponseReturnValue:
    """Invite someone by e-mail to join with a role."""
    org = org_or_404(slug)
    require(current_user, "org.members.manage", org)
    form = InviteForm()
    if form.validate_on_submit():
        invitation, token = service.invite(
            db.session, current_user, org, form.email.data, form.role.data, utcnow()
        )
        db.session.commit()
        _send_invitation(invitation, token)
        flash(_("The invitation has been sent."), "success")
        return redirect(url_for("orgs.home", slug=slug))
    return render_template("orgs/invite.html", org=org, form=form)


def _send_invitation(invitation: Invitation, token: str) -> None:
    send_mail_task(invitation.email, *invitation_mail(invitation, token))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    """Take up an invitation: sign in or register first, then confirm."""
    invitation = service.find_invitation(db.session, token, utcnow())
    if invitation is None:
        return render_template("orgs/invitation_invalid.html"), 404
    if not current_user.is_authenticated:
        flash(_("Sign in or create an account to accept the invitation."), "info")
        if accounts.find_user_by_email(db.session, invitation.email):
            return redirect(url_for("accounts.login", next=request.path))
        return redirect(url_for("accounts.register", next=request.path, email=invitation.email))
    if not can(current_user, "orgs.invitation.accept", invitation):
        return render_template("orgs/invitation_wrong_account.html", invitation=invitation), 403
    if request.method == "POST":
        service.accept_invitation(db.session, invitation, current_user, utcnow())
        db.session.commit()
        flash(_("You have joined %(org)s.", org=invitation.organisation.slug), "success")
        return redirect(url_for("dashboard.index"))
    return render_template("orgs/accept_invitation.html", invitation=invitation)


@bp.route("/orgs/<slug>/join", methods=["GET", "POST"])
@login_required
def join(slug: str) -> ResponseReturnValue:
    """Join an organisation as a trainee, where it allows self-registration."""
    org = org_or_404(slug)
    require(current_user, "org.join", org)
    if request.method == "POST":
        service.join_self(db.session, org, current_user, utcnow())
        db.session.commit()
        flash(_("You have joined the organisation."), "success")
        return redirect(url_for("dashboard.index"))
    return render_template("orgs/join.html", org=org)


@bp.route("/orgs/<slug>/import", methods=["GET", "POST"])
@login_required
def staff_import(slug: str) -> ResponseReturnValue:
    """Upload a staff CSV; it is read here and checked and previewed by a background job."""
    org = org_or_404(slug)
    require(current_user, "org.members.manage", org)
    form = StaffImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            records = read_table(upload.read())
        except HeaderError as exc:
            form.file.errors.append(_header_error(str(exc)))
        else:
            job = imports.start(
                db.session, current_user, org, records, upload.filename or "", utcnow()
            )
            db.session.commit()
            preview_staff_import_task(job.id)
            return redirect(url_for("orgs.import_status", slug=slug, import_id=job.id))
    recent = db.session.scalars(
        select(StaffImport)
        .where(StaffImport.organisation_id == org.id)
        .order_by(StaffImport.id.desc())
        .limit(10)
    ).all()
    return render_template("orgs/import.html", org=org, form=form, recent=recent)


@bp.get("/orgs/<slug>/import/template.csv")
@login_required
def staff_import_template(slug: str) -> ResponseReturnValue:
    """A staff list to fill in: the accepted columns in the page's language, one example row."""
    org = org_or_404(slug)
    require(current_user, "org.members.manage", org)
    return Response(
        template_csv(current_locale()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="staff-import-template.csv"',
            "Cache-Control": "private, no-store",
        },
    )


def _header_error(message: str) -> str:
    if message.startswith("Missing column"):
        return _("The file needs at least the columns name and email (or 姓名 and 邮箱).")
    if message == "The file is empty.":
        return _("The file is empty.")
    return _("The file is neither UTF-8 nor GBK text.")


def _import_or_404(org: Organisation, import_id: int) -> StaffImport:
    job = db.get_or_404(StaffImport, import_id)
    if job.organisation_id != org.id:
        abort(404)
    return job


@bp.get("/orgs/<slug>/imports/<int:import_id>")
@login_required
def import_status(slug: str, import_id: int) -> ResponseReturnValue:
    """An import's progress, then its preview (rows by what will happen) or its outcome."""
    org = org_or_404(slug)
    require(current_user, "org.members.manage", org)
    job = _import_or_404(org, import_id)
    action = request.args.get("action")
    rows = None
    if not job.running or job.state == "done":
        query = select(StaffImportRow).where(StaffImportRow.import_id == job.id)
        if action in imports.SHOWN_ACTIONS:
            query = query.where(StaffImportRow.action.in_(imports.SHOWN_ACTIONS[action]))
        rows = paginate(query.order_by(StaffImportRow.line), per_page=100)
    return render_template(
        "orgs/import_status.html",
        org=org,
        job=job,
        rows=rows,
        action=action if action in imports.SHOWN_ACTIONS else None,
        counts=imports.shown_counts(imports.counts_by_action(db.session, job)),
        confirm=ConfirmImportForm(),
    )


@bp.get("/orgs/<slug>/imports/<int:import_id>.json")
@login_required
def import_progress(slug: str, import_id: int) -> ResponseReturnValue:
    """An import's state and progress as JSON (polled by its page)."""
    org = org_or_404(slug)
    require(current_user, "org.members.manage", org)
    job = _import_or_404(org, import_id)
    return jsonify(
        state=job.state,
        running=job.running,
        done=job.done,
        total=job.total,
        percent=job.percent,
        mailed=job.mailed,
        to_mail=job.to_mail,
        failure=job.failure,
        failure_line=job.failure_line,
    )


@bp.post("/orgs/<slug>/imports/<int:import_id>/confirm")
@login_required
def confirm_staff_import(slug: str, import_id: int) -> ResponseReturnValue:
    """Start importing a clean preview; nothing happens unless every row is clean."""
    org = org_or_404(slug)
    require(current_user, "org.members.manage", org)
    job = _import_or_404(org, import_id)
    if not ConfirmImportForm().validate_on_submit():
        abort(400)
    if not imports.claim(db.session, job):
        flash(_("This file cannot be imported (it has errors or was imported already)."), "error")
        return redirect(url_for("orgs.import_status", slug=slug, import_id=job.id))
    db.session.commit()
    apply_staff_import_task(job.id)
    return redirect(url_for("orgs.import_status", slug=slug, import_id=job.id))


@bp.post("/orgs/<slug>/cohorts")
@login_required
def create_cohort(slug: str) -> ResponseReturnValue:
    """Create a cohort."""
    org = org_or_404(slug)
    require(current_user, "org.cohorts.manage", org)
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = service.create_cohort(db.session, org, form.name.data, utcnow())
        except service.OrgError:
            flash(_("A cohort with this name already exists."), "error")
        else:
            db.session.commit()
            return redirect(url_for("orgs.cohort", slug=slug, cohort_id=cohort.id))
    return redirect(url_for("orgs.home", slug=slug))


@bp.route("/orgs/<slug>/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@login_required
def cohort(slug: str, cohort_id: int) -> ResponseReturnValue:
    """A cohort's members and assigned courses."""
    org = org_or_404(slug)
    require(current_user, "org.cohorts.manage", org)
    group = db.first_or_404(select(Cohort).filter_by(id=cohort_id, organisation_id=org.id))
    form = AssignmentForm()
    action = request.form.get("action") if request.method == "POST" else None
    if action in ("add", "remove"):
        ids = [int(value) for value in request.form.getlist("member") if value.isdigit()]
        if action == "add":
            service.add_cohort_members(db.session, group, ids)
        else:
            service.remove_cohort_members(db.session, group, ids)
        db.session.commit()
        flash(_("The cohort's members have been saved."), "success")
        return redirect(request.full_path)
    courses = service.assignable_courses(db.session)
    form.course_slug.choices = [("", _("Choose a course"))] + [
        (course.slug, f"{localized(course.title)} ({course.slug})") for course in courses
    ]
    if form.validate_on_submit():
        due = form.due_on.data
        due_at = datetime.combine(due, time(23, 59), tzinfo=UTC) if due else None
        try:
            service.assign_course(
                db.session, current_user, group, form.course_slug.data, due_at, utcnow()
            )
        except service.OrgError:
            form.course_slug.errors.append(
                _(
                    "There is no published course with the address name “%(slug)s”.",
                    slug=form.course_slug.data,
                )
            )
        else:
            db.session.commit()
            flash(_("The course has been assigned."), "success")
            return redirect(request.path)
    q, add_q = request.args.get("q", ""), request.args.get("add_q", "")
    return render_template(
        "orgs/cohort.html",
        org=org,
        cohort=group,
        members=paginate(service.cohort_members_query(group, q)),
        candidates=paginate(service.cohort_candidates_query(group, add_q), arg="add_page"),
        q=q,
        add_q=add_q,
        form=form,
        course_titles={course.slug: course.title for course in courses},
    )
