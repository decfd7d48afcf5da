"""Ed25519 signing keys for organisations, kept encrypted under the application's secret.

A private key never leaves this module in the clear except as a ``cryptography`` key object.
At rest it is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the application's
secret key, so a copy of the database alone does not let anyone sign certificates. The key id
(``kid``) is the RFC 7638 JWK thumbprint of the public key: stable, and computable by anyone who
holds the published key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: Binds the derived key to its one use, so the same secret can feed other derivations safely.
_HKDF_INFO = b"course.certificates signing-key sealing v1"
_SEALED_PREFIX = "v1."


class SealedKeyError(Exception):
    """A sealed private key could not be opened (wrong secret, or the data was altered)."""


@dataclass(frozen=True)
class KeyPair:
    """A freshly generated key: what to publish and what to store."""

    kid: str
    public_jwk: dict
    sealed_private_key: str


def b64url(data: bytes) -> str:
    """Base64url without padding, as JOSE writes binary values."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url`; tolerates missing padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sealing_key(secret: str | bytes) -> bytes:
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO)
    return hkdf.derive(raw)


def public_jwk(public_key: Ed25519PublicKey) -> dict:
    """The public key as an OKP JWK (RFC 8037) with its thumbprint as ``kid``."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
    return {**jwk, "kid": thumbprint(jwk), "alg": "EdDSA", "use": "sig"}


def thumbprint(jwk: dict) -> str:
    """RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order."""
    required = {name: jwk[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())


def public_key_from_jwk(jwk: dict) -> Ed25519PublicKey:
    """Load a published OKP/Ed25519 JWK; raises ValueError for anything else."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "x" not in jwk:
        raise ValueError("not an Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))


def seal(private_key: Ed25519PrivateKey, secret: str | bytes) -> str:
    """Encrypt a private key for storage: ``v1.<nonce>.<ciphertext>`` in base64url."""
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    nonce = os.urandom(12)
    sealed = AESGCM(_sealing_key(secret)).encrypt(nonce, raw, _HKDF_INFO)
    return f"{_SEALED_PREFIX}{b64url(nonce)}.{b64url(sealed)}"


def unseal(sealed: str, secret: str | bytes) -> Ed25519PrivateKey:
    """Open a key sealed by :func:`seal`; raises :class:`SealedKeyError` on any mismatch."""
    if not sealed.startswith(_SEALED_PREFIX):
        raise SealedKeyError("unknown sealed key format")
    try:
        nonce_text, body_text = sealed[len(_SEALED_PREFIX) :].split(".")
        raw = AESGCM(_sealing_key(secret)).decrypt(
            b64url_decode(nonce_text), b64url_decode(body_text), _HKDF_INFO
        )
    except (ValueError, InvalidTag) as exc:
        raise SealedKeyError("the signing key cannot be opened with this secret key") from exc
    return Ed25519PrivateKey.from_private_bytes(raw)


def generate(secret: str | bytes) -> KeyPair:
    """Create a new Ed25519 key pair, ready to store (sealed) and publish (JWK)."""
    private_key = Ed25519PrivateKey.generate()
    jwk = public_jwk(private_key.public_key())
    return KeyPair(kid=jwk["kid"], public_jwk=jwk, sealed_private_key=seal(private_key, secret))
