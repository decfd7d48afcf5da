"""Device cookies: a browser where an account signed in before keeps its own sign-in limit.

OWASP's pattern against lockout attacks: after a successful sign-in the browser gets a signed
cookie naming the account (by a hash of its e-mail address) and a random nonce. A sign-in
attempt for that account from a browser holding such a cookie is limited per nonce, not per
account, so an attacker's wrong guesses from elsewhere never lock the owner out of a browser
they have used; a stolen cookie is limited on its own. One cookie holds the last few accounts
signed in from the browser.
"""

from __future__ import annotations

import hashlib
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "device"
MAX_AGE = 365 * 24 * 3600
MAX_ACCOUNTS = 5
_SALT = "device-cookie"


def _account(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:20]


def _read(secret: str, value: str | None) -> dict[str, str]:
    if not value:
        return {}
    try:
        entries = URLSafeTimedSerializer(secret, salt=_SALT).loads(value, max_age=MAX_AGE)
    except BadSignature:
        return {}
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, str)}


def trusted_nonce(secret: str, value: str | None, email: str) -> str | None:
    """The nonce of the device cookie ``value`` for the account ``email``, if it holds one."""
    return _read(secret, value).get(_account(email)) if email else None


def remember(secret: str, value: str | None, email: str) -> str:
    """The device cookie after the account ``email`` signed in (its nonce kept if it had one)."""
    entries = _read(secret, value)
    key = _account(email)
    nonce = entries.pop(key, None) or secrets.token_urlsafe(12)
    entries[key] = nonce
    kept = dict(list(entries.items())[-MAX_ACCOUNTS:])
    return URLSafeTimedSerializer(secret, salt=_SALT).dumps(kept)
