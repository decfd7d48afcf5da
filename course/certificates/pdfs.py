"""From a stored certificate to its PDF: the printed values, rendering once, storage.

The PDF is rendered when the certificate is issued, saved with ``course.storage`` and served from
there; it is never re-rendered per download.
"""

from __future__ import annotations

from datetime import date

from course import metrics, storage
from course.certificates import credential
from course.certificates.models import Certificate
from course.certificates.render import (
    CertificateContent,
    RenderJob,
    image_data_uri,
    render_job,
    renderer_for,
)
from course.orgs.models import Organisation


def _branding(key: str | None) -> str | None:
    if not key or not storage.exists(key):
        return None
    return image_data_uri(storage.read(key))


def _signatory_title(org: Organisation) -> str:
    title = org.signatory_title or {}
    if isinstance(title, str):
        return title
    parts = [title.get("zh-CN"), title.get("en")]
    return " / ".join(p for p in parts if p)


def content_for(certificate: Certificate, org: Organisation, config) -> CertificateContent:
    """The plain values the template prints for ``certificate``."""
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
        logo=_branding(org.logo_key),
        seal=_branding(org.seal_key),
        signature=_branding(org.signature_key),
        issued_at=certificate.issued_at,
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


def job_for(certificate: Certificate, org: Organisation, config) -> RenderJob:
    """A picklable render job for ``certificate`` (what a bulk worker receives)."""
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
    )


def pdf_key(certificate: Certificate, org: Organisation) -> str:
    return f"certificates/{org.slug}/{certificate.serial}.pdf"


def store_pdf(certificate: Certificate, org: Organisation, config) -> str:
    """Render ``certificate`` once and save it; raises ``CertificateRenderError``."""
    data = render_job(job_for(certificate, org, config))
    return save_pdf(certificate, org, data)


def save_pdf(certificate: Certificate, org: Organisation, data: bytes) -> str:
    key = pdf_key(certificate, org)
    storage.save(key, data)
    certificate.pdf_key = key
    metrics.CERTIFICATES_RENDERED.labels("stored").inc()
    return key


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
        logo=_branding(org.logo_key),
        seal=_branding(org.seal_key),
        signature=_branding(org.signature_key),
    )
    return renderer.render(content, metadata={"title": "Preview", "subject": "Sample data"})
