"""From a stored certificate to its PDF: the printed values, rendering once, storage.

There is one way a certificate's PDF comes to exist: :func:`render_job_for` gathers the plain
values (reading the organisation's branding from the store), :func:`render_pdf` renders them, and
:func:`record_pdf` saves the bytes through ``course.storage`` and records their SHA-256 on the
certificate. Rendering is deterministic (fixed attachment dates and PDF file id), so rendering
again from the same inputs, on any machine, gives the same bytes: two nodes that race to replace
a lost PDF write the same object, and the recorded hash still matches the copy the holder has.
The background job (``tasks.render_certificate_task``) and a download that finds the PDF missing
both go this way; the issuing service never renders.
"""

from __future__ import annotations

import hashlib
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.orm import Session

from course import metrics, storage
from course.certificates import credential
from course.certificates.models import Certificate
from course.certificates.render import (
    CertificateContent,
    CertificateRenderError,
    RenderJob,
    image_data_uri,
    render_job,
    renderer_for,
)
from course.orgs.models import Organisation

#: The organisation's branding images, as (attribute, what the admin calls it).
BRANDING = (
    ("logo_key", _l("logo")),
    ("seal_key", _l("seal")),
    ("signature_key", _l("signature image")),
)


class BrandingMissing(CertificateRenderError):
    """An organisation names a branding image that the file store does not have (or that is
    not an image). Certificates are not rendered without it: a plainer certificate than the
    organisation designed would be a different document."""

    def __init__(self, org: Organisation, what, problem: str = "missing") -> None:
        self.org_slug = org.slug
        self.what = what
        self.problem = problem
        if problem == "missing":
            message = _l(
                "The organisation's %(what)s is missing from the file store; upload it again "
                "on the organisation's settings page.",
                what=what,
            )
        else:
            message = _l(
                "The organisation's %(what)s is not a PNG, JPEG or SVG image; upload another "
                "on the organisation's settings page.",
                what=what,
            )
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def missing_branding(org: Organisation) -> list:
    """The branding images the organisation names but the store lacks (for the admin's page)."""
    keys = [(getattr(org, attr), what) for attr, what in BRANDING]
    return [what for key, what in keys if key and not storage.exists(key)]


def _branding(org: Organisation, attr: str, what) -> str | None:
    key = getattr(org, attr)
    if not key:
        return None
    try:
        data = storage.read(key)
    except FileNotFoundError:
        raise BrandingMissing(org, what) from None
    uri = image_data_uri(data)
    if uri is None:
        raise BrandingMissing(org, what, "unreadable")
    return uri


def branding(org: Organisation) -> dict[str, str | None]:
    """The logo, seal and signature as ``data:`` URIs; raises :class:`BrandingMissing`."""
    return {attr.removesuffix("_key"): _branding(org, attr, what) for attr, what in BRANDING}


def _signatory_title(org: Organisation) -> str:
    title = org.signatory_title or {}
    if isinstance(title, str):
        return title
    parts = [title.get("zh-CN"), title.get("en")]
    return " / ".join(p for p in parts if p)


def content_for(certificate: Certificate, org: Organisation, config) -> CertificateContent:
    """The plain values the template prints for ``certificate``."""
    images = branding(org)
    return CertificateContent(
        recipient_name=certificate.recipient_name,
        course_title=_both(certificate.course_title),
        issuer_name=_both(org.name),
        hours=certificate.hours,
        completed_on=certificate.completed_at.date(),
        valid_until=certificate.valid_until.date() if certificate.valid_until else None,
        final_score=certificate.final_score,
        serial=certificate.serial,
        code=certificate.code,
        verify_url=config.verify_url(certificate.code),
        signatory_name=org.signatory_name or "",
        signatory_title=_signatory_title(org),
        issued_at=certificate.issued_at,
        **images,
    )


def _both(value) -> dict[str, str]:
    value = value if isinstance(value, dict) else {"zh-CN": value or ""}
    first = next(iter(value.values()), "")
    return {"zh-CN": value.get("zh-CN") or first, "en": value.get("en") or first}


def metadata_for(certificate: Certificate, org: Organisation) -> dict:
    """Document information: title, author (the issuer), subject, keywords, creation date."""
    title = _both(certificate.course_title)
    return {
        "title": f"结业证书 Certificate · {title['zh-CN']} {title['en']}",
        "author": _both(org.name)["zh-CN"],
        "subject": f"{certificate.serial} · {certificate.recipient_name}",
        "keywords": "certificate, Open Badges 3.0, verifiable credential",
        "created": credential.iso(certificate.issued_at),
    }


def render_job_for(certificate: Certificate, org: Organisation, config) -> RenderJob:
    """A picklable render job for ``certificate``; raises :class:`BrandingMissing`."""
    return RenderJob(
        folder=config.templates / certificate.template,
        content=content_for(certificate, org, config),
        metadata=metadata_for(certificate, org),
        attachments=(
            (
                "credential.json",
                credential.envelope_bytes(certificate.token),
                "Open Badges 3.0 credential, signed (VC-JWT)",
            ),
        ),
        created=certificate.issued_at,
        identifier=hashlib.md5(certificate.credential_id.encode(), usedforsecurity=False)
        .hexdigest()
        .encode("ascii"),
    )


def pdf_key(certificate: Certificate, org: Organisation) -> str:
    return f"certificates/{org.slug}/{certificate.serial}.pdf"


def is_stored(certificate: Certificate) -> bool:
    """Whether the certificate's PDF is in the store (under the key recorded at render)."""
    return bool(certificate.pdf_key) and storage.exists(certificate.pdf_key)


def render_pdf(job: RenderJob) -> bytes:
    """Render one certificate (CPU-bound, about a second; call it outside any transaction)."""
    return render_job(job)


def record_pdf(session: Session, certificate_id: int, key: str, data: bytes) -> str:
    """Save ``data`` under ``key`` and record the key and the bytes' SHA-256 on the certificate.

    An UPDATE by id (no read first), so it can be the first statement of a short write
    transaction. Returns the hex digest.
    """
    digest = hashlib.sha256(data).hexdigest()
    storage.save(key, data)
    session.execute(
        update(Certificate)
        .where(Certificate.id == certificate_id)
        .values(pdf_key=key, pdf_sha256=digest)
        .execution_options(synchronize_session="fetch")
    )
    metrics.CERTIFICATES_RENDERED.labels("stored").inc()
    return digest


def preview_pdf(org: Organisation, template: str, config) -> bytes:
    """The template filled with its sample data and the organisation's branding."""
    renderer = renderer_for(config.templates / template)
    sample = renderer.template.sample
    content = CertificateContent(
        recipient_name=sample.get("recipient_name", "王小明"),
        course_title=_both(sample.get("course_title", "服务团队协作")),
        issuer_name=_both(org.name),
        hours=float(sample.get("hours", 6)),
        completed_on=date(2026, 1, 15),
        valid_until=date(2028, 1, 15),
        final_score=sample.get("final_score", 0.9),
        serial=sample.get("serial", "SAMPLE-0001"),
        code=sample.get("code", "SAMPLE"),
        verify_url=config.verify_url(sample.get("code", "SAMPLE")),
        signatory_name=org.signatory_name or sample.get("signatory_name", ""),
        signatory_title=_signatory_title(org) or sample.get("signatory_title", ""),
        **branding(org),
    )
    return renderer.render(content, metadata={"title": "Preview", "subject": "Sample data"})
