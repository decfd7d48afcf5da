"""Open Badges 3.0 credentials: build them from plain values, sign and verify them as VC-JWT.

The credential is an ``OpenBadgeCredential`` on the W3C Verifiable Credentials data model 2.0.
It is secured as a VC-JWT in the VC-JOSE-COSE style: the JWS payload *is* the credential, the
header names the algorithm (EdDSA over Ed25519), the media type (``vc+jwt``) and the key id. Being
a byte-exact signature it needs no JSON-LD processing, and any JOSE library can check it.

Outside a JWT-aware channel (the file a trainee downloads, the PDF attachment) the JWT travels in
the data model's own wrapper, an ``EnvelopedVerifiableCredential`` whose ``id`` is a ``data:`` URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from course import safejson

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
MEDIA_TYPE = "vc+jwt"
ENVELOPE_PREFIX = "data:application/vc+jwt,"


class CredentialError(Exception):
    """A credential could not be read or verified; ``reason`` is a short stable code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class IssuerFacts:
    """The issuing organisation as it appears in the credential's issuer ``Profile``."""

    id: str
    name: str
    url: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class CredentialFacts:
    """Everything a credential states, as plain values (no database objects)."""

    credential_id: str
    serial: str
    issuer: IssuerFacts
    recipient_name: str
    achievement_id: str
    course_title: str
    course_summary: str
    criteria: str
    hours: float
    language: str
    completed_at: datetime
    valid_from: datetime
    valid_until: datetime | None
    final_score: float | None
    status_list_url: str
    status_index: int
    extra_names: dict[str, str] = field(default_factory=dict)


def iso(moment: datetime) -> str:
    """An aware datetime as the data model writes it: UTC, seconds, ``Z``."""
    if moment.tzinfo is None:
        raise ValueError("datetimes in a credential must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_credential(facts: CredentialFacts) -> dict:
    """The unsigned ``OpenBadgeCredential`` for ``facts``, as a JSON-serialisable dict."""
    issuer = {"id": facts.issuer.id, "type": ["Profile"], "name": facts.issuer.name}
    if facts.issuer.url:
        issuer["url"] = facts.issuer.url
    if facts.issuer.email:
        issuer["email"] = facts.issuer.email
    achievement = {
        "id": facts.achievement_id,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": facts.course_title,
        "description": facts.course_summary or facts.course_title,
        "criteria": {"narrative": facts.criteria},
        "creditsAvailable": facts.hours,
        "inLanguage": facts.language,
    }
    subject: dict = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": facts.recipient_name,
            }
        ],
        "achievement": achievement,
        "activityEndDate": iso(facts.completed_at),
        "creditsEarned": facts.hours,
    }
    if facts.final_score is not None:
        achievement["resultDescription"] = [
            {
                "id": f"{facts.achievement_id}#final-score",
                "type": ["ResultDescription"],
                "name": "Final score",
                "resultType": "Percent",
            }
        ]
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": f"{facts.achievement_id}#final-score",
                "value": f"{round(facts.final_score * 100)}",
            }
        ]
    credential = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": facts.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": facts.course_title,
        "description": f"Certificate {facts.serial}",
        "issuer": issuer,
        "validFrom": iso(facts.valid_from),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{facts.status_list_url}#{facts.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(facts.status_index),
            "statusListCredential": facts.status_list_url,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if facts.valid_until is not None:
        credential["validUntil"] = iso(facts.valid_until)
    return credential


def sign(payload: dict, private_key: Ed25519PrivateKey, kid: str) -> str:
    """Sign a credential (or status list credential) as a compact VC-JWT."""
    headers = {"kid": kid, "typ": MEDIA_TYPE, "cty": "vc"}
    return jwt.encode(payload, private_key, algorithm="EdDSA", headers=headers)


def envelope(token: str) -> dict:
    """Wrap a VC-JWT in the data model's ``EnvelopedVerifiableCredential``."""
    return {
        "@context": [VC_CONTEXT],
        "id": ENVELOPE_PREFIX + token,
        "type": "EnvelopedVerifiableCredential",
    }


def envelope_bytes(token: str) -> bytes:
    """The envelope as the exact bytes stored, downloaded and attached to the PDF."""
    return (json.dumps(envelope(token), indent=2) + "\n").encode("utf-8")


def extract_token(data: bytes | str) -> str:
    """Find the VC-JWT in an uploaded file: an envelope, a bare JWT, or JSON with a ``jwt``.

    Raises :class:`CredentialError` saying what the file is instead.
    """
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    text = text.strip().lstrip("\ufeff")
    if text.count(".") == 2 and not text.startswith(("{", "[")):
        return text
    try:
        document = safejson.loads(text)
    except ValueError:
        raise CredentialError("unreadable", "The file is neither JSON nor a VC-JWT.") from None
    if isinstance(document, dict):
        identifier = document.get("id")
        if isinstance(identifier, str) and identifier.startswith(ENVELOPE_PREFIX):
            return identifier[len(ENVELOPE_PREFIX) :]
        if isinstance(document.get("jwt"), str):
            return document["jwt"]
        if "OpenBadgeCredential" in (document.get("type") or []):
            raise CredentialError(
                "unsigned",
                "This is an unsigned credential: it carries no signature, so it proves nothing.",
            )
    raise CredentialError("unreadable", "The file does not contain a signed credential.")


def peek(token: str) -> tuple[dict, dict]:
    """Header and payload of a VC-JWT *without* checking the signature (for diagnosis only)."""
    try:
        header = jwt.get_unverified_header(token)
        payload = jwt.decode(token, options={"verify_signature": False})
    except RecursionError:  # a payload nested deeper than the JSON parser goes
        raise CredentialError("malformed", "The signed credential is malformed.") from None
    except jwt.PyJWTError as exc:
        raise CredentialError("malformed", f"The signed credential is malformed ({exc}).") from None
    return header, payload


def verify(token: str, public_key: Ed25519PublicKey) -> dict:
    """Check the signature of a VC-JWT with ``public_key`` and return the credential.

    Raises :class:`CredentialError` with reason ``bad-signature`` when the content was altered
    after signing, or ``malformed`` when the token cannot be read.
    """
    header, _ = peek(token)
    if header.get("alg") != "EdDSA":
        raise CredentialError(
            "algorithm", f"The credential uses {header.get('alg')!r}; only EdDSA is accepted."
        )
    try:
        payload = jwt.api_jws.decode_complete(token, public_key, algorithms=["EdDSA"])["payload"]
    except jwt.InvalidSignatureError:
        raise CredentialError(
            "bad-signature",
            "The signature does not match the content: the credential was changed after it "
            "was signed.",
        ) from None
    except jwt.PyJWTError as exc:
        raise CredentialError("malformed", f"The signed credential is malformed ({exc}).") from None
    try:
        credential = safejson.loads(payload)
    except safejson.JSONInputError:
        raise CredentialError("malformed", "The signed credential is not JSON.") from None
    if "OpenBadgeCredential" not in (credential.get("type") or []) and (
        "BitstringStatusListCredential" not in (credential.get("type") or [])
    ):
        raise CredentialError("not-a-badge", "The signed document is not an Open Badge.")
    return credential


def differences(claimed: dict, issued: dict, prefix: str = "") -> list[str]:
    """Dotted paths at which ``claimed`` differs from ``issued`` (to explain a tampered file)."""
    paths: list[str] = []
    for key in sorted(set(claimed) | set(issued)):
        here = f"{prefix}{key}"
        left, right = claimed.get(key), issued.get(key)
        if isinstance(left, dict) and isinstance(right, dict):
            paths.extend(differences(left, right, here + "."))
        elif left != right:
            paths.append(here)
    return paths
