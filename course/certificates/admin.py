"""The organisation admin's certificate pages: settings and preview, issuing, bulk, revoking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import (
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
from sqlalchemy.orm import contains_eager

from course import storage
from course.accounts.models import User
from course.catalog.models import Course
from course.certificates import bulk as bulk_service
from course.certificates import pdfs, service
from course.certificates.blueprint import bp, issuing_config, org_or_404
from course.certificates.forms import (
    BulkIssueForm,
    ConfirmForm,
    IssueForm,
    RevokeForm,
    SettingsForm,
)
from course.certificates.models import BulkIssue, Certificate
from course.certificates.render import CertificateRenderError
from course.certificates.tasks import bulk_issue_task
from course.db import utcnow
from course.extensions import db
from course.orgs import service as orgs_service
from course.orgs.models import Cohort, Membership
from course.pagination import paginate
from course.policy import require
from course.reports import orgreport

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue

    from course.orgs.models import Organisation


def _managed_org(slug: str):
    org = org_or_404(slug)
    require(current_user, "certificates.manage", org)
    return org


def _forms(org: Organisation):
    config = issuing_config()
    settings = service.settings_for(db.session, org)
    settings_form = SettingsForm(
        prefix="settings", template=settings.template or "", auto_issue=settings.auto_issue
    )
    settings_form.template.choices = [("", _("Each course's own choice"))] + [
        (name, name) for name in service.available_templates(config)
    ]
    courses = db.session.scalars(select(Course).order_by(Course.slug)).all()
    course_choices = [(c.slug, c.title.get("zh-CN") or c.slug) for c in courses]
    issue_form = IssueForm(prefix="issue")
    issue_form.course_slug.choices = course_choices
    bulk_form = BulkIssueForm(prefix="bulk")
    bulk_form.cohort_id.choices = [(c.id, c.name) for c in orgreport.cohorts_of(db.session, org)]
    bulk_form.course_slug.choices = course_choices
    return settings_form, issue_form, bulk_form


@bp.route("/orgs/<slug>/certificates", methods=["GET", "POST"])
@login_required
def manage(slug: str) -> ResponseReturnValue:
    """Template and auto-issue settings, issuing forms, and the certificates issued."""
    org = _managed_org(slug)
    settings_form, issue_form, bulk_form = _forms(org)
    if settings_form.validate_on_submit() and "settings-template" in request.form:
        service.update_settings(
            db.session,
            current_user,
            org,
            settings_form.template.data or None,
            settings_form.auto_issue.data,
            issuing_config(),
        )
        db.session.commit()
        flash(_("The certificate settings have been saved."), "success")
        return redirect(url_for("certificates.manage", slug=slug))
    q, status = request.args.get("q", ""), request.args.get("status") or None
    trainee_q = request.args.get("trainee_q", "").strip()
    return render_template(
        "certificates/manage.html",
        org=org,
        settings_form=settings_form,
        issue_form=issue_form,
        bulk_form=bulk_form,
        issued=paginate(_issued_query(org, q, status)),
        missing_branding=pdfs.missing_branding(org),
        q=q,
        status=status,
        trainee_q=trainee_q,
        matches=orgs_service.search_members(db.session, org, trainee_q) if trainee_q else [],
        now=utcnow(),
    )


def _issued_query(org: Organisation, q: str, status: str | None):
    """The organisation's certificates, newest first, by serial, name or address and status."""
    query = (
        select(Certificate)
        .join(User, User.id == Certificate.user_id)
        .options(contains_eager(Certificate.user))
        .where(Certificate.organisation_id == org.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    q = q.strip()
    if q:
        query = query.where(
            Certificate.serial.contains(q, autoescape=True)
            | Certificate.recipient_name.contains(q, autoescape=True)
            | User.email.contains(q.lower(), autoescape=True)
        )
    if status in ("valid", "revoked"):
        query = query.where(Certificate.status == status)
    return query


@bp.get("/orgs/<slug>/certificates/trainees.json")
@login_required
def trainee_search(slug: str) -> ResponseReturnValue:
    """Members matching ``?q=`` (name, address, employee number, department), at most 20: the
    suggestions of the trainee picker."""
    org = _managed_org(slug)
    found = orgs_service.search_members(db.session, org, request.args.get("q", "")[:120])
    return jsonify(
        results=[
            {
                "id": m.user.id,
                "name": m.user.display_name,
                "email": m.user.email,
                "department": m.department,
            }
            for m in found
        ]
    )


@bp.get("/orgs/<slug>/certificates/preview.pdf")
@login_required
def preview(slug: str) -> ResponseReturnValue:
    """The chosen template rendered with sample data and this organisation's branding."""
    org = _managed_org(slug)
    template = request.args.get("template") or "default"
    if template not in service.available_templates(issuing_config()):
        abort(404)
    try:
        data = pdfs.preview_pdf(org, template, issuing_config())
    except CertificateRenderError as exc:
        return Response(str(exc), status=422, mimetype="text/plain")
    return Response(data, mimetype="application/pdf")


@bp.post("/orgs/<slug>/certificates/issue")
@login_required
def issue(slug: str) -> ResponseReturnValue:
    """Issue a certificate to one member (an override needs a written reason)."""
    org = _managed_org(slug)
    form = _forms(org)[1]
    if not form.validate_on_submit():
        flash(_("Choose a trainee and a course."), "error")
        return redirect(url_for("certificates.manage", slug=slug))
    user = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id == form.user_id.data, Membership.organisation_id == org.id)
    )
    if user is None:
        flash(_("Choose a trainee and a course."), "error")
        return redirect(url_for("certificates.manage", slug=slug))
    course = db.session.scalars(select(Course).where(Course.slug == form.course_slug.data)).one()
    try:
        certificate = service.issue_certificate(
            db.session,
            current_user,
            user,
            course,
            org,
            utcnow(),
            issuing_config(),
            override_reason=form.override_reason.data,
        )
    except service.CertificateRefused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("certificates.manage", slug=slug))
    db.session.commit()  # queues the PDF
    flash(_("Certificate %(serial)s issued.", serial=certificate.serial), "success")
    return redirect(url_for("certificates.manage", slug=slug))


@bp.route("/orgs/<slug>/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke(slug: str, certificate_id: int) -> ResponseReturnValue:
    """Revoke one certificate of this organisation, with a reason, after confirming."""
    org = _managed_org(slug)
    certificate = db.first_or_404(
        select(Certificate).filter_by(id=certificate_id, organisation_id=org.id)
    )
    form = RevokeForm()
    if request.method == "GET" or not form.validate_on_submit() or form.confirmed.data != "yes":
        if request.method == "POST" and form.is_submitted() and not form.reason.data:
            flash(_("Choose the public reason for the revocation."), "error")
        return render_template(
            "certificates/confirm_revoke.html", org=org, certificate=certificate, form=form
        )
    try:
        service.revoke_certificate(
            db.session, current_user, certificate, form.reason.data, utcnow(), form.note.data or ""
        )
    except service.CertificateRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("certificates.manage", slug=slug))
    db.session.commit()
    flash(_("Certificate %(serial)s revoked.", serial=certificate.serial), "success")
    return redirect(url_for("certificates.manage", slug=slug))


@bp.route("/orgs/<slug>/certificates/rotate-key", methods=["GET", "POST"])
@login_required
def rotate_key(slug: str) -> ResponseReturnValue:
    """Replace the organisation's signing key after confirming; certificates signed before
    still verify."""
    org = _managed_org(slug)
    form = ConfirmForm()
    if not form.validate_on_submit() or form.confirmed.data != "yes":
        keys = service.published_keys(db.session, org)
        return render_template("certificates/confirm_rotate.html", org=org, form=form, keys=keys)
    service.rotate_key(db.session, current_user, org, issuing_config(), utcnow())
    db.session.commit()
    flash(_("A new signing key is in use."), "success")
    return redirect(url_for("certificates.manage", slug=slug))


@bp.post("/orgs/<slug>/certificates/bulk")
@login_required
def bulk(slug: str) -> ResponseReturnValue:
    """Show who a cohort run would issue to; once confirmed, start it in the background."""
    org = _managed_org(slug)
    form = _forms(org)[2]
    if not form.validate_on_submit():
        flash(_("Choose a cohort and a course."), "error")
        return redirect(url_for("certificates.manage", slug=slug))
    course = db.first_or_404(select(Course).where(Course.slug == form.course_slug.data))
    cohort = db.get_or_404(Cohort, form.cohort_id.data)
    if cohort.organisation_id != org.id:
        abort(404)
    if form.confirmed.data != "yes":
        plan = bulk_service.plan(db.session, org, course, cohort, utcnow())
        return render_template(
            "certificates/confirm_bulk.html",
            org=org,
            form=form,
            course=course,
            cohort=cohort,
            plan=plan,
        )
    run = bulk_service.start_bulk(
        db.session, current_user, org, course, cohort, bool(form.reissue.data), utcnow()
    )
    run_id = run.id  # read before commit: reading it after would begin a new transaction
    db.session.commit()
    bulk_issue_task(run_id)
    return redirect(url_for("certificates.bulk_status", slug=slug, job_id=run_id))


def _bulk_or_404(org: Organisation, job_id: int) -> BulkIssue:
    return db.first_or_404(select(BulkIssue).filter_by(id=job_id, organisation_id=org.id))


@bp.get("/orgs/<slug>/certificates/bulk/<int:job_id>")
@login_required
def bulk_status(slug: str, job_id: int) -> ResponseReturnValue:
    """The progress of a bulk issue, what it did for each trainee, and its ZIP once done."""
    org = _managed_org(slug)
    job = _bulk_or_404(org, job_id)
    counts = bulk_service.counts(db.session, job.id)
    return render_template(
        "certificates/bulk.html",
        org=org,
        job=job,
        counts=counts,
        progress=_progress(job, counts),
        rows=bulk_service.report(db.session, job.id),
    )


def _progress(job: BulkIssue, counts: dict) -> dict:
    done = sum(counts[k] for k in ("issued", "already", "ineligible", "failed"))
    percent = round(100 * done / job.total) if job.total else (100 if job.state == "done" else 0)
    if job.state != "done":
        verdict = "running"
    elif counts["failed"]:
        verdict = "failed"
    elif counts["issued"] == 0:
        verdict = "nothing"
    else:
        verdict = "ok"
    return {"done": done, "percent": percent, "verdict": verdict}


@bp.get("/orgs/<slug>/certificates/bulk/<int:job_id>.json")
@login_required
def bulk_progress(slug: str, job_id: int) -> ResponseReturnValue:
    """Progress of a bulk issue as JSON (polled by the progress page)."""
    job = _bulk_or_404(_managed_org(slug), job_id)
    counts = bulk_service.counts(db.session, job.id)
    progress = _progress(job, counts)
    failures = [
        {"name": item.name, "error": item.error}
        for item, _certificate in bulk_service.report(db.session, job.id)
        if item.outcome == "failed"
    ]
    return jsonify(state=job.state, total=job.total, counts=counts, failures=failures, **progress)


@bp.get("/orgs/<slug>/certificates/bulk/<int:job_id>.zip")
@login_required
def bulk_zip(slug: str, job_id: int) -> ResponseReturnValue:
    """The ZIP of a finished bulk issue: every PDF and manifest.csv."""
    job = _bulk_or_404(_managed_org(slug), job_id)
    if not job.zip_key or not storage.exists(job.zip_key):
        abort(404)
    return storage.send(
        job.zip_key,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"certificates-{job.id}.zip",
    )
