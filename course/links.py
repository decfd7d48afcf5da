"""Absolute links the platform writes (e-mails, QR codes, credential ids, status lists, share
links), always on the configured public address ``COURSE_BASE_URL``, never on the request's
``Host`` header.

``external_url(endpoint, **values)`` builds with the application's own URL map (werkzeug's URL
building, the same rules as ``url_for``) bound to the base URL, so it works inside a request,
in a command and in a background job alike. ``absolute(path)`` turns a site-relative path that
was stored earlier (learning records) into an absolute one the same way.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.routing import MapAdapter


class BaseURLError(ValueError):
    """``COURSE_BASE_URL`` is not an absolute http(s) address without query or fragment."""


def parse_base_url(base_url: str) -> tuple[str, str, str]:
    """``(scheme, host[:port], path)`` of a base URL, or :class:`BaseURLError`."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BaseURLError(f"COURSE_BASE_URL must be an absolute http(s) URL, not {base_url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise BaseURLError("COURSE_BASE_URL may not carry a query, a fragment or credentials")
    return parts.scheme, parts.netloc.lower(), parts.path.rstrip("/")


def base_host(base_url: str) -> str:
    """The host name (no port) of a base URL, as Flask's ``TRUSTED_HOSTS`` expects it."""
    return urlsplit(base_url).hostname or ""


def base_url(app: Flask | None = None) -> str:
    """The configured public address, without a trailing slash."""
    return (app or current_app).config["BASE_URL"].rstrip("/")


def _adapter(app: Flask, base: str) -> MapAdapter:
    adapters = app.extensions.setdefault("course.links", {})
    adapter = adapters.get(base)
    if adapter is None:
        scheme, netloc, path = parse_base_url(base)
        adapter = app.url_map.bind(netloc, script_name=path or "/", url_scheme=scheme)
        adapters[base] = adapter
    return adapter


def url_on(base: str, endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` on ``base`` (``url_for``'s rules, never the Host).

    For code handed its base URL as a value (the certificates' ``IssuingConfig``)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    anchor = values.pop("_anchor", None)
    app.inject_url_defaults(endpoint, values)
    url = _adapter(app, base.rstrip("/")).build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` on ``COURSE_BASE_URL``; usable in a request, a command
    or a job (anywhere with an application context)."""
    return url_on(base_url(), endpoint, **values)
