"""Certificates on the web: the trainee's own, and public verification (no login needed).

The organisation admin's pages are in ``admin.py`` on the same blueprint.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import urlencode

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

from course import storage
from course.certificates import credential, pdfs, service, verification
from course.certificates.blueprint import bp, issuing_config, org_or_404
from course.certificates.forms import VerifyCodeForm, VerifyUploadForm
from course.certificates.models import Certificate
from course.certificates.render import CertificateRenderError
from course.certificates.verification import REVOCATION_REASON_LABELS
from course.db import utcnow, write_intent
from course.extensions import csrf, db, limiter
from course.policy import require
from course.web import checked_json, writes_on_get

if TYPE_CHECKING:
    from flask.typing import ResponseReturnValue


VERIFY_LIMIT = "30 per minute"


@bp.context_processor
def _revocation_reasons() -> dict:
    return {"revocation_reasons": REVOCATION_REASON_LABELS}


# --- the trainee's certificates ---------------------------------------------------------------


@bp.get("/certificates")
@login_required
def mine() -> ResponseReturnValue:
    """The signed-in trainee's certificates, with downloads and sharing."""
    certificates = service.certificates_of(db.session, current_user.id)
    links = {c.id: linkedin_url(c, issuing_config()) for c in certificates}
    return render_template(
        "certificates/mine.html", certificates=certificates, links=links, now=utcnow()
    )


@bp.get("/certificates/<int:certificate_id>.pdf")
@login_required
def download_pdf(certificate_id: int) -> ResponseReturnValue:
    """The certificate's PDF as stored: the same bytes from every machine."""
    certificate = db.get_or_404(Certificate, certificate_id)
    require(current_user, "certificates.view", certificate)
    if not pdfs.is_stored(certificate):
        try:
            _render_missing_pdf(certificate)
        except CertificateRenderError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("certificates.mine"))
    return storage.send(
        certificate.pdf_key,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{certificate.serial}.pdf",
    )


def _render_missing_pdf(certificate: Certificate) -> None:
    """Render a PDF that is not in the store (not rendered yet, or lost) from the recorded
    inputs. Rendering is deterministic, so a node racing another writes the same bytes; no
    transaction is held open while it renders."""
    org = certificate.organisation
    job = pdfs.render_job_for(certificate, org, issuing_config())
    key = pdfs.pdf_key(certificate, org)
    db.session.rollback()  # end the read transaction (a GET begins deferred)
    data = pdfs.render_pdf(job)
    write_intent.set(True)  # the UPDATE below begins a write transaction on SQLite
    pdfs.record_pdf(db.session, certificate.id, key, data)
    db.session.commit()
    db.session.refresh(certificate)


@bp.get("/certificates/<int:certificate_id>.json")
@login_required
def download_json(certificate_id: int) -> ResponseReturnValue:
    """The signed credential (an EnvelopedVerifiableCredential holding the VC-JWT)."""
    certificate = db.get_or_404(Certificate, certificate_id)
    require(current_user, "certificates.view", certificate)
    return Response(
        credential.envelope_bytes(certificate.token),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{certificate.serial}.json"'},
    )


@bp.post("/certificates/<int:certificate_id>/visibility")
@login_required
def visibility(certificate_id: int) -> ResponseReturnValue:
    """Show or hide the certificate in the issuer's public listing."""
    certificate = db.get_or_404(Certificate, certificate_id)
    require(current_user, "certificates.share", certificate)
    service.set_public(db.session, current_user, certificate, request.form.get("public") == "1")
    db.session.commit()
    flash(_("Your choice has been saved."), "success")
    return redirect(url_for("certificates.mine"))


def linkedin_url(certificate: Certificate, config: service.IssuingConfig) -> str:
    """LinkedIn's add-to-profile link for a certification."""
    title = certificate.course_title or {}
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": title.get("en") or next(iter(title.values()), ""),
        "organizationName": (certificate.organisation.name or {}).get("en", ""),
        "issueYear": certificate.issued_at.year,
        "issueMonth": certificate.issued_at.month,
        "certUrl": config.verify_url(certificate.code),
        "certId": certificate.serial,
    }
    if certificate.valid_until:
        params.update(
            expirationYear=certificate.valid_until.year,
            expirationMonth=certificate.valid_until.month,
        )
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


# --- public verification ----------------------------------------------------------------------


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(VERIFY_LIMIT)
def verify() -> ResponseReturnValue:
    """Verify by code, or by uploading a certificate PDF or JSON credential."""
    code_form = VerifyCodeForm(request.args)
    upload_form = VerifyUploadForm()
    if request.args.get("code") and code_form.validate():
        return redirect(url_for("certificates.verify_code", code=code_form.code.data.strip()))
    result = None
    if upload_form.validate_on_submit():
        data = upload_form.file.data.read()
        checked_json(data)
        result = verification.verify_upload(db.session, data, utcnow())
    status = 200 if result is None or result.state != "invalid" else 422
    if request.args.get("code") and code_form.errors:
        status = 422
    return render_template(
        "certificates/verify.html",
        code_form=code_form,
        upload_form=upload_form,
        result=result,
        now=utcnow(),
    ), status


@bp.get("/verify/<code>")
@limiter.limit(VERIFY_LIMIT)
def verify_code(code: str) -> ResponseReturnValue:
    """The public page of one certificate: status, name, course, issuer, dates."""
    certificate = verification.by_code(db.session, code)
    if certificate is None:
        return render_template("certificates/not_found.html", code=code), 404
    return render_template(
        "certificates/public.html",
        certificate=certificate,
        state=certificate.state(utcnow()),
        successor=service.successor(db.session, certificate),
        verify_url=issuing_config().verify_url(certificate.code),
    )


@bp.post("/api/verify")
@csrf.exempt  # a machine endpoint: no session, no form, nothing changes
@limiter.limit(VERIFY_LIMIT)
def api_verify() -> ResponseReturnValue:
    """JSON verdict on an uploaded file (multipart ``file``, or the raw request body)."""
    upload = request.files.get("file")
    data = upload.read() if upload else request.get_data()
    checked_json(data)
    now = utcnow()
    result = verification.verify_upload(db.session, data, now)
    url = issuing_config().verify_url(result.certificate.code) if result.certificate else None
    return jsonify(verification.as_json(result, now, url)), (
        422 if result.state == "invalid" else 200
    )


@bp.get("/api/verify/<code>")
@limiter.limit(VERIFY_LIMIT)
def api_verify_code(code: str) -> ResponseReturnValue:
    """JSON facts and status of the certificate with ``code``."""
    certificate = verification.by_code(db.session, code)
    if certificate is None:
        return jsonify({"state": "unknown", "message": "No certificate has this code."}), 404
    now = utcnow()
    url = issuing_config().verify_url(certificate.code)
    return jsonify(verification.public_facts(certificate, now, url))


@bp.get("/issuers/<slug>.json")
def issuer(slug: str) -> ResponseReturnValue:
    """The organisation's Open Badges issuer profile, linking its public keys."""
    return jsonify(verification.issuer_profile(db.session, org_or_404(slug), issuing_config()))


@bp.get("/issuers/<slug>/keys")
def issuer_keys(slug: str) -> ResponseReturnValue:
    """The organisation's public keys, current and retired, as a JWK Set."""
    return jsonify(verification.jwks(db.session, org_or_404(slug), issuing_config()))


@bp.get("/issuers/<slug>/keys/<kid>")
def issuer_key(slug: str, kid: str) -> ResponseReturnValue:
    """One public key as a JWK: what the ``kid`` URL of a signed certificate dereferences to."""
    org = org_or_404(slug)
    key = verification.find_key(db.session, org, kid)
    if key is None:
        abort(404)
    body = json.dumps(verification.published_jwk(key, org, issuing_config()))
    return Response(body, mimetype="application/jwk+json")


@bp.get("/issuers/<slug>")
def issuer_listing(slug: str) -> ResponseReturnValue:
    """The certificates an organisation issued whose holders chose to list them."""
    org = org_or_404(slug)
    certificates = db.session.scalars(
        select(Certificate)
        .where(
            Certificate.organisation_id == org.id,
            Certificate.public.is_(True),
            Certificate.status == "valid",
        )
        .order_by(Certificate.issued_at.desc())
        .limit(200)
    ).all()
    return render_template("certificates/listing.html", org=org, certificates=certificates)


@bp.get("/status/<slug>/<int:list_number>")
@writes_on_get
def status_list(slug: str, list_number: int) -> ResponseReturnValue:
    """One of the organisation's revocation status lists, a signed
    BitstringStatusListCredential (131,072 certificates per list)."""
    org = org_or_404(slug)
    token = verification.status_list_token(db.session, org, issuing_config(), utcnow(), list_number)
    if token is None:
        abort(404)
    db.session.commit()  # the first request may create the organisation's signing key
    return Response(token, mimetype="application/vc+jwt")
