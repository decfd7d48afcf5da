"""Talking to a Learning Record Store: POST statements with the xAPI version header and Basic or
OAuth 2 (client credentials) authentication, and say what the LRS answered.

No Flask and no database here: ``push.py`` decides what to send and keeps the position.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from dataclasses import dataclass, field

import httpx
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from course.progress.xapi import XAPI_VERSION

#: Statuses that mean "this statement is refused" (not "try again later").
REFUSED = {400, 409, 413, 422}
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True)
class Endpoint:
    """Where and how to send: ``key`` names the position (``platform`` or ``org:<slug>``)."""

    key: str
    url: str
    auth: str = "basic"
    username: str = ""
    secret: str = field(default="", repr=False)
    token_url: str = ""


@dataclass(frozen=True)
class Answer:
    """The LRS's answer to one POST: ``ok``, ``refused`` (status 4xx about the content) or
    ``failed`` (network, server or credentials: try again later)."""

    outcome: str
    status: int = 0
    detail: str = ""


class LrsClient:
    """Posts statement batches to one endpoint; an OAuth token is fetched and reused."""

    def __init__(self, endpoint: Endpoint, transport: httpx.BaseTransport | None = None):
        self.endpoint = endpoint
        self._http = httpx.Client(timeout=TIMEOUT, transport=transport)
        self._token: tuple[str, float] | None = None

    def close(self) -> None:
        self._http.close()

    def post(self, statements: list[dict]) -> Answer:
        """POST ``statements`` to ``<endpoint>/statements``."""
        try:
            headers = {
                "X-Experience-API-Version": XAPI_VERSION,
                "Content-Type": "application/json",
                "Authorization": self._authorization(),
            }
            response = self._http.post(
                self.endpoint.url.rstrip("/") + "/statements", json=statements, headers=headers
            )
        except (httpx.HTTPError, OSError, KeyError, ValueError) as error:
            return Answer("failed", 0, f"{type(error).__name__}: {error}")
        if response.status_code in (200, 204):
            return Answer("ok", response.status_code)
        detail = response.text[:2000]
        if response.status_code in REFUSED:
            return Answer("refused", response.status_code, detail)
        if response.status_code == 401:
            self._token = None
        return Answer("failed", response.status_code, detail)

    def _authorization(self) -> str:
        if self.endpoint.auth == "oauth":
            return "Bearer " + self._oauth_token()
        pair = f"{self.endpoint.username}:{self.endpoint.secret}".encode()
        return "Basic " + base64.b64encode(pair).decode()

    def _oauth_token(self) -> str:
        if self._token and self._token[1] > time.monotonic() + 30:
            return self._token[0]
        response = self._http.post(
            self.endpoint.token_url,
            data={"grant_type": "client_credentials", "scope": "statements/write"},
            auth=(self.endpoint.username, self.endpoint.secret),
        )
        response.raise_for_status()
        body = response.json()
        lifetime = float(body.get("expires_in") or 300)
        self._token = (body["access_token"], time.monotonic() + lifetime)
        return self._token[0]


def seal_secret(text: str, secret_key: str) -> str:
    """An organisation's LRS password or client secret, encrypted under the app's secret key."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, text.encode(), b"lrs")
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal_secret(sealed: str, secret_key: str) -> str:
    """The clear text of :func:`seal_secret` (empty for an empty value)."""
    if not sealed:
        return ""
    raw = base64.urlsafe_b64decode(sealed.encode())
    return AESGCM(_key(secret_key)).decrypt(raw[:12], raw[12:], b"lrs").decode()


def _key(secret_key: str) -> bytes:
    return hashlib.sha256(b"course-lrs-secret:" + secret_key.encode()).digest()
