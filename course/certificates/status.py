"""Bitstring Status List (W3C): which certificates of an organisation are revoked.

Each certificate gets an index in its organisation's list; bit ``i`` set means revoked. The list
is published as a signed ``BitstringStatusListCredential`` whose ``encodedList`` is the bitstring,
GZIP-compressed and multibase base64url-encoded (a leading ``u``). Index 0 is the most significant
bit of the first byte. The list has at least 131,072 entries so that a verifier fetching it learns
nothing about which certificate it checks.

An organisation's certificates are numbered 0, 1, 2, ... (``Certificate.status_index``); each list
holds ``LIST_SIZE`` of them, so number ``n`` lives in list ``n // LIST_SIZE + 1`` at position
``n % LIST_SIZE``. Past 131,072 certificates an organisation therefore publishes a second list,
and so on; lists already published never change size or meaning.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable
from datetime import datetime

from course.certificates.credential import VC_CONTEXT, iso

MIN_LENGTH = 131_072
#: Entries per published list: the minimum the specification asks for, so lists never grow.
LIST_SIZE = MIN_LENGTH


class StatusListError(ValueError):
    """An encoded list could not be read."""


def encode(revoked: Iterable[int], length: int = MIN_LENGTH) -> str:
    """Encode the set of revoked indexes as a multibase base64url GZIP bitstring."""
    length = max(length, MIN_LENGTH)
    length += -length % 8
    bits = bytearray(length // 8)
    for index in revoked:
        if not 0 <= index < length:
            raise StatusListError(f"index {index} is outside the list (0..{length - 1})")
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    """The raw bitstring of an ``encodedList``."""
    if not encoded.startswith("u"):
        raise StatusListError("the encoded list is not multibase base64url (no 'u' prefix)")
    body = encoded[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, OSError) as exc:
        raise StatusListError("the encoded list is not a GZIP-compressed bitstring") from exc


def position(status_index: int) -> tuple[int, int]:
    """The list number (from 1) and the index inside that list of certificate ``status_index``."""
    if status_index < 0:
        raise StatusListError(f"negative status index {status_index}")
    return status_index // LIST_SIZE + 1, status_index % LIST_SIZE


def list_range(number: int) -> range:
    """The certificates' ``status_index`` values that list ``number`` (from 1) publishes."""
    if number < 1:
        raise StatusListError(f"there is no status list {number}")
    return range((number - 1) * LIST_SIZE, number * LIST_SIZE)


def is_set(encoded: str, index: int) -> bool:
    """Whether bit ``index`` of the encoded list is set (i.e. the certificate is revoked)."""
    bits = decode(encoded)
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    list_url: str, issuer_id: str, revoked: Iterable[int], now: datetime
) -> dict:
    """The unsigned ``BitstringStatusListCredential`` publishing ``revoked`` at ``list_url``."""
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": iso(now),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(revoked),
        },
    }
