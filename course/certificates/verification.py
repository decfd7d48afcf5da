"""Checking certificates for anyone, and what is published for verifiers.

``verify_upload`` takes the bytes of a PDF or a JSON credential and says precisely what holds and
what does not: a credential is found, the signing key is one this platform published, the
signature matches, the record exists, a PDF is byte for byte the PDF that was issued, and the
certificate's status (valid, expired, revoked, replaced). Messages are lazy translations, read
in the visitor's language.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from course.certificates import credential, keys, status
from course.certificates.models import Certificate, SigningKey
from course.certificates.signing import published_keys, sign_with, signing_key
from course.orgs.models import Organisation

if TYPE_CHECKING:
    from collections.abc import Callable

    from course.certificates.signing import IssuingConfig

#: What a serial number looks like (``STC-2026-000123``): the form tells people to type the
#: verification code instead, since serials are sequential and would let anyone list holders.
SERIAL_PATTERN = re.compile(r"^[A-Z0-9]{1,6}-\d{4}-\d{6,}$", re.IGNORECASE)

#: Messages for a credential that cannot be read or trusted, by ``CredentialError.reason``.
PROBLEMS = {
    "unreadable": _l("The file is neither a certificate PDF, JSON nor a VC-JWT."),
    "no-credential": _l("The PDF carries no embedded credential (credential.json)."),
    "unsigned": _l(
        "This is an unsigned credential: it carries no signature, so it proves nothing."
    ),
    "malformed": _l("The signed credential is malformed."),
    "algorithm": _l("The credential uses a signature algorithm other than EdDSA."),
    "bad-signature": _l(
        "The signature does not match the content: the credential was changed after it was signed."
    ),
    "not-a-badge": _l("The signed document is not an Open Badge."),
    "claims": _l("The credential's JWT claims (iss, jti, nbf, exp, sub) disagree with it."),
}

#: The public revocation reasons (``models.REVOCATION_REASONS``) as a person reads them.
REVOCATION_REASON_LABELS = {
    "issued_in_error": _l("Issued in error"),
    "requirements_not_met": _l("The requirements were not met"),
    "misconduct": _l("Breach of the assessment rules"),
    "withdrawn_by_holder": _l("Withdrawn at the holder's request"),
    "other": _l("Other reasons"),
}


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
    #: The certificate the file was verified to be (set only when every check passed that
    #: makes it authentic; its status may still be expired, revoked or replaced).
    certificate: Certificate | None = None
    #: The certificate a file that failed claims to be, to name it (never shown as verified).
    claimed: Certificate | None = None
    checks: list[Check] = field(default_factory=list)

    def fail(self, name: str, message: str) -> Verification:
        self.checks.append(Check(name, False, message))
        return self

    def passed(self, name: str, message: str) -> None:
        self.checks.append(Check(name, True, message))


def looks_like_serial(text: str) -> bool:
    """Whether ``text`` is shaped like a serial number rather than a verification code."""
    return bool(SERIAL_PATTERN.match((text or "").strip()))


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
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise credential.CredentialError("unreadable", f"The PDF cannot be read ({exc}).") from None
    files = attachments.get("credential.json")
    if not files:
        raise credential.CredentialError(
            "no-credential", "The PDF carries no embedded credential (credential.json)."
        )
    return files[0]


def verify_upload(session: Session, data: bytes, now: datetime) -> Verification:
    """Check an uploaded PDF or JSON credential: signature, key, record, PDF bytes, status."""
    result = Verification()
    pdf_digest = None
    try:
        if data.startswith(b"%PDF"):
            pdf_digest = hashlib.sha256(data).hexdigest()
            data = credential_from_pdf(data)
            result.passed("file", _l("The PDF carries an embedded credential."))
        token = credential.extract_token(data)
        header, claimed = credential.peek(token)
    except credential.CredentialError as exc:
        return result.fail("file", PROBLEMS.get(exc.reason, exc.message))
    thumbprint = credential.key_thumbprint(header.get("kid"))
    key = None
    if thumbprint is not None:
        key = session.scalars(select(SigningKey).where(SigningKey.kid == thumbprint)).first()
    if key is None:
        return result.fail(
            "key", _l("The credential names a signing key this platform never published.")
        )
    try:
        signed = credential.verify(token, keys.public_key_from_jwk(key.public_jwk))
    except credential.CredentialError as exc:
        result.fail("signature", PROBLEMS.get(exc.reason, exc.message))
        record = _record(session, claimed.get("id"))
        if record is not None:
            result.claimed = record
            issued = credential.peek(record.token)[1]
            changed = credential.differences(claimed, issued)
            if changed:
                result.fail(
                    "content", _l("Changed after issue: %(fields)s.", fields=", ".join(changed))
                )
        return result
    result.passed("signature", _l("The signature is valid: the content is as issued."))
    record = _record(session, signed.get("id"))
    if record is None or record.organisation_id != key.organisation_id or record.kid != key.kid:
        return result.fail("record", _l("No certificate with this identifier was issued here."))
    if pdf_digest is not None:
        if record.pdf_sha256 != pdf_digest:
            result.claimed = record
            return result.fail(
                "pdf",
                _l(
                    "This is not the PDF that was issued: its credential is certificate "
                    "%(serial)s, but the file's bytes differ from that certificate's PDF (its "
                    "printed page or attachments were changed, or it belongs to someone else).",
                    serial=record.serial,
                ),
            )
        result.passed("pdf", _l("The PDF is byte for byte the one that was issued."))
    result.certificate = record
    result.state = record.state(now)
    messages = {
        "valid": _l("The certificate is valid."),
        "expired": _l("The certificate has expired."),
        "revoked": _l(
            "The certificate was revoked: %(reason)s",
            reason=REVOCATION_REASON_LABELS.get(
                record.revocation_reason or "", _l("no reason given")
            ),
        ),
        "superseded": _l("The certificate was replaced by a newer one."),
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
        "checks": [{"name": c.name, "ok": c.ok, "message": str(c.message)} for c in result.checks],
    }
    if result.certificate is not None:
        body["certificate"] = public_facts(result.certificate, now, verify_url)
    elif result.claimed is not None:
        body["claims_to_be"] = result.claimed.serial
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


def issuer_profile(session: Session, org: Organisation, config: IssuingConfig) -> dict:
    """The Open Badges issuer ``Profile`` published at the issuer id, linking its keys.

    Each key the organisation signed with is a ``JsonWebKey`` verification method (W3C
    Controlled Identifiers) whose ``id`` is the ``kid`` URL in the tokens it signed.
    """
    name = org.name if isinstance(org.name, dict) else {"zh-CN": org.name}
    issuer_id = config.issuer_id(org)
    methods = [
        {
            "id": config.key_url(org, key.kid),
            "type": "JsonWebKey",
            "controller": issuer_id,
            "publicKeyJwk": _bare_jwk(key.public_jwk),
        }
        for key in published_keys(session, org)
    ]
    return {
        "@context": [credential.VC_CONTEXT, credential.OB_CONTEXT, CID_CONTEXT],
        "id": issuer_id,
        "type": ["Profile"],
        "name": name.get("zh-CN") or next(iter(name.values()), org.slug),
        "url": config.base_url,
        "description": " / ".join(v for v in name.values() if v),
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


#: The W3C Controlled Identifiers context: ``verificationMethod``, ``JsonWebKey``, ...
CID_CONTEXT = "https://www.w3.org/ns/cid/v1"


def _bare_jwk(jwk: dict) -> dict:
    return {name: jwk[name] for name in ("kty", "crv", "x")}


def published_jwk(key: SigningKey, org: Organisation, config: IssuingConfig) -> dict:
    """A public key as published: its ``kid`` is the URL that serves it."""
    return {**_bare_jwk(key.public_jwk), "kid": config.key_url(org, key.kid), "alg": "EdDSA",
            "use": "sig"}  # fmt: skip


def jwks(session: Session, org: Organisation, config: IssuingConfig) -> dict:
    """Every public key the organisation signed with (retired ones too), as a JWK Set."""
    return {"keys": [published_jwk(key, org, config) for key in published_keys(session, org)]}


def find_key(session: Session, org: Organisation, thumbprint: str) -> SigningKey | None:
    """One of the organisation's keys by thumbprint."""
    return session.scalars(
        select(SigningKey).where(SigningKey.organisation_id == org.id, SigningKey.kid == thumbprint)
    ).first()


def status_list_count(session: Session, org: Organisation) -> int:
    """How many status lists the organisation publishes (at least one)."""
    last = session.scalar(
        select(func.max(Certificate.status_index)).where(Certificate.organisation_id == org.id)
    )
    return 1 if last is None else status.position(last)[0]


def status_list_token(
    session: Session, org: Organisation, config: IssuingConfig, now: datetime, number: int = 1
) -> str | None:
    """Revocation list ``number`` as a signed ``BitstringStatusListCredential``; None when the
    organisation has no such list."""
    if not 1 <= number <= status_list_count(session, org):
        return None
    span = status.list_range(number)
    revoked = session.scalars(
        select(Certificate.status_index).where(
            Certificate.organisation_id == org.id,
            Certificate.status == "revoked",
            Certificate.status_index >= span.start,
            Certificate.status_index < span.stop,
        )
    )
    doc = status.status_list_credential(
        config.status_list_url(org, number),
        config.issuer_id(org),
        {index - span.start for index in revoked},
        now,
    )
    return sign_with(signing_key(session, org, config, now), org, config, doc)
