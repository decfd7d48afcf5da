"""Checking certificates for anyone, and what is published for verifiers.

``verify_upload`` takes the bytes of a PDF or a JSON credential and says precisely what holds and
what does not: a credential is found, the signing key is one this platform published, the
signature matches, the record exists, and its status (valid, expired, revoked, replaced).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from course.certificates import credential, keys, status
from course.certificates.models import Certificate, SigningKey
from course.orgs.models import Organisation

if TYPE_CHECKING:
    from collections.abc import Callable

    from course.certificates.service import IssuingConfig


@dataclass
class Check:
    """One verification step and its outcome, in words a visitor understands."""

    name: str
    ok: bool
    message: str


@dataclass
class Verification:
    """The outcome of checking an uploaded file: ``state`` is the one-word verdict."""

    state: str = "invalid"
    certificate: Certificate | None = None
    checks: list[Check] = field(default_factory=list)

    def fail(self, name: str, message: str) -> Verification:
        self.checks.append(Check(name, False, message))
        return self

    def passed(self, name: str, message: str) -> None:
        self.checks.append(Check(name, True, message))


def by_code(session: Session, code: str) -> Certificate | None:
    """The certificate with verification ``code`` (organisation loaded), or None."""
    if not code or len(code) > 40:
        return None
    return session.scalars(
        select(Certificate)
        .options(joinedload(Certificate.organisation))
        .where(Certificate.code == code)
    ).first()


def credential_from_pdf(data: bytes) -> bytes:
    """The ``credential.json`` attachment of a certificate PDF."""
    try:
        attachments = PdfReader(io.BytesIO(data)).attachments
    except (PyPdfError, ValueError, KeyError) as exc:
        raise credential.CredentialError("unreadable", f"The PDF cannot be read ({exc}).") from None
    files = attachments.get("credential.json")
    if not files:
        raise credential.CredentialError(
            "no-credential", "The PDF carries no embedded credential (credential.json)."
        )
    return files[0]


def verify_upload(session: Session, data: bytes, now: datetime) -> Verification:
    """Check an uploaded PDF or JSON credential: signature, key, record and status."""
    result = Verification()
    try:
        if data.startswith(b"%PDF"):
            data = credential_from_pdf(data)
            result.passed("file", "The PDF carries an embedded credential.")
        token = credential.extract_token(data)
        header, claimed = credential.peek(token)
    except credential.CredentialError as exc:
        return result.fail("file", exc.message)
    key = session.scalars(select(SigningKey).where(SigningKey.kid == header.get("kid"))).first()
    if key is None:
        return result.fail(
            "key", "The credential names a signing key this platform never published."
        )
    try:
        signed = credential.verify(token, keys.public_key_from_jwk(key.public_jwk))
    except credential.CredentialError as exc:
        result.fail("signature", exc.message)
        record = _record(session, claimed.get("id"))
        if record is not None:
            issued = credential.peek(record.token)[1]
            changed = credential.differences(claimed, issued)
            if changed:
                result.fail("content", "Changed after issue: " + ", ".join(changed) + ".")
        return result
    result.passed("signature", "The signature is valid: the content is as issued.")
    record = _record(session, signed.get("id"))
    if record is None or record.organisation_id != key.organisation_id or record.kid != key.kid:
        return result.fail("record", "No certificate with this identifier was issued here.")
    result.certificate = record
    result.state = record.state(now)
    messages = {
        "valid": "The certificate is valid.",
        "expired": "The certificate has expired.",
        "revoked": f"The certificate was revoked: {record.revocation_reason}",
        "superseded": "The certificate was replaced by a newer one.",
    }
    result.checks.append(Check("status", result.state == "valid", messages[result.state]))
    return result


def _record(session: Session, credential_id: object) -> Certificate | None:
    if not isinstance(credential_id, str):
        return None
    return session.scalars(
        select(Certificate)
        .options(joinedload(Certificate.organisation))
        .where(Certificate.credential_id == credential_id)
    ).first()


def as_json(
    result: Verification, now: datetime, verify_url: Callable[[str], str] | None = None
) -> dict:
    """The JSON answer of ``/api/verify``: verdict, checks, and the public facts."""
    body: dict = {
        "state": result.state,
        "checks": [{"name": c.name, "ok": c.ok, "message": c.message} for c in result.checks],
    }
    if result.certificate is not None:
        body["certificate"] = public_facts(result.certificate, now, verify_url)
    return body


def public_facts(
    certificate: Certificate, now: datetime, verify_url: Callable[[str], str] | None = None
) -> dict:
    """What anyone holding the code may see (never the e-mail address)."""
    facts = {
        "serial": certificate.serial,
        "state": certificate.state(now),
        "name": certificate.recipient_name,
        "course": certificate.course_title,
        "issuer": certificate.organisation.name,
        "issued_at": credential.iso(certificate.issued_at),
        "completed_at": credential.iso(certificate.completed_at),
        "valid_until": credential.iso(certificate.valid_until) if certificate.valid_until else None,
    }
    if certificate.status == "revoked":
        facts["revoked_at"] = credential.iso(certificate.revoked_at)
        facts["revocation_reason"] = certificate.revocation_reason
    if verify_url:
        facts["verify_url"] = verify_url
    return facts


# --- what verifiers fetch ---------------------------------------------------------------------


def issuer_profile(org: Organisation, config: IssuingConfig) -> dict:
    """The Open Badges issuer ``Profile`` published at the issuer id."""
    name = org.name if isinstance(org.name, dict) else {"zh-CN": org.name}
    return {
        "@context": [credential.VC_CONTEXT, credential.OB_CONTEXT],
        "id": config.issuer_id(org),
        "type": ["Profile"],
        "name": name.get("zh-CN") or next(iter(name.values()), org.slug),
        "url": config.base_url,
        "description": " / ".join(v for v in name.values() if v),
    }


def jwks(session: Session, org: Organisation) -> dict:
    """Every public key the organisation signed with (retired ones too), as a JWK Set."""
    from course.certificates.service import published_keys

    return {"keys": [key.public_jwk for key in published_keys(session, org)]}


def status_list_token(
    session: Session, org: Organisation, config: IssuingConfig, now: datetime
) -> str:
    """The organisation's revocation list as a signed ``BitstringStatusListCredential``."""
    from course.certificates.service import signing_key

    revoked = session.scalars(
        select(Certificate.status_index).where(
            Certificate.organisation_id == org.id, Certificate.status == "revoked"
        )
    )
    doc = status.status_list_credential(
        config.status_list_url(org), config.issuer_id(org), set(revoked), now
    )
    key = signing_key(session, org, config, now)
    private_key = keys.unseal(key.sealed_private_key, config.secret)
    return credential.sign(doc, private_key, key.kid)
