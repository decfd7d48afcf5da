"""Open Badges 3.0 credentials: build them from plain values, sign and verify them as VC-JWT.

The credential is an ``OpenBadgeCredential`` on the W3C Verifiable Credentials data model 2.0.
It is secured as a VC-JWT in the VC-JOSE-COSE style: the JWS payload *is* the credential, the
header names the algorithm (EdDSA over Ed25519), the media type (``vc+jwt``) and the key id. Being
a byte-exact signature it needs no JSON-LD processing, and any JOSE library can check it.

Open Badges 3.0 (section 8.2, VC-JWT) adds registered JWT claims next to the credential's members:
``iss`` (the issuer's id), ``jti`` (the credential's id), ``nbf`` (``validFrom``), ``exp``
(``validUntil``, when present) and ``sub`` (``credentialSubject.id``, when present); and a ``kid``
that is a URL dereferencing to the public JWK. :func:`sign` adds the claims and :func:`verify`
refuses a token whose claims disagree with its credential. Tokens signed before the claims
existed carry none and still verify.

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


#: The registered JWT claims Open Badges 3.0 maps from the credential.
JWT_CLAIMS = ("iss", "jti", "nbf", "exp", "sub")


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def jwt_claims(document: dict) -> dict:
    """The registered claims for a credential: ``iss``, ``jti``, ``nbf``, ``exp``, ``sub``."""
    issuer = document.get("issuer")
    claims: dict = {
        "iss": issuer.get("id") if isinstance(issuer, dict) else issuer,
        "jti": document.get("id"),
        "nbf": _epoch(document["validFrom"]),
    }
    if document.get("validUntil"):
        claims["exp"] = _epoch(document["validUntil"])
    subject = document.get("credentialSubject")
    if isinstance(subject, dict) and subject.get("id"):
        claims["sub"] = subject["id"]
    return claims


def sign(payload: dict, private_key: Ed25519PrivateKey, kid: str) -> str:
    """Sign a credential (or status list credential) as a compact VC-JWT with OB 3.0's claims.

    ``kid`` is the URL at which the public JWK is published.
    """
    headers = {"kid": kid, "typ": MEDIA_TYPE, "cty": "vc"}
    return jwt.encode({**payload, **jwt_claims(payload)}, private_key, algorithm="EdDSA",
                      headers=headers)  # fmt: skip


def without_claims(payload: dict) -> dict:
    """The credential alone: ``payload`` without the registered JWT claims."""
    return {k: v for k, v in payload.items() if k not in JWT_CLAIMS}


def check_claims(payload: dict) -> None:
    """Raise :class:`CredentialError` (``claims``) when a claim present disagrees with the
    credential it travels with (a token without claims, signed before they existed, passes)."""
    present = {k: payload[k] for k in JWT_CLAIMS if k in payload}
    if not present:
        return
    try:
        expected = jwt_claims(without_claims(payload))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise CredentialError("claims", "The credential has no readable validFrom.") from None
    wrong = sorted(k for k in present if present[k] != expected.get(k))
    wrong += sorted(k for k in expected if k not in present)
    if wrong:
        raise CredentialError(
            "claims", "The JWT claims disagree with the credential: " + ", ".join(wrong) + "."
        )


def key_thumbprint(kid: object) -> str | None:
    """The key's RFC 7638 thumbprint from a ``kid``: the last path segment of a key URL
    (``.../issuers/<org>/keys/<thumbprint>``) or, in tokens signed before, the bare thumbprint."""
    if not isinstance(kid, str) or not kid or len(kid) > 2048:
        return None
    if "/" not in kid:
        return kid
    head, _, last = kid.rstrip("/").rpartition("/")
    return last if head.endswith("/keys") and last else None


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
    if not isinstance(credential, dict):
        raise CredentialError("not-a-badge", "The signed document is not an Open Badge.")
    types = credential.get("type") or []
    if "OpenBadgeCredential" not in types and "BitstringStatusListCredential" not in types:
        raise CredentialError("not-a-badge", "The signed document is not an Open Badge.")
    check_claims(credential)
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
