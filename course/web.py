"""Request-level plumbing: security headers, error pages, safe redirects, write intent."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from course.db import write_intent

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ERROR_CODES = (400, 403, 404, 405, 413, 429, 500)


def safe_next_url(target: str | None) -> str | None:
    """Only same-site paths are followed after signing in (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def writes_on_get(view: Callable) -> Callable:
    """Mark a GET view that may write (render-once caches, keys made on first use), so its
    SQLite transaction begins immediately like a POST's."""
    view.writes_on_get = True
    return view


def _start_request():
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    safe = request.method in SAFE_METHODS and not getattr(view, "writes_on_get", False)
    write_intent.set(not safe)


def _reset_write_intent(_exc: BaseException | None = None) -> None:
    write_intent.set(True)


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def _error_page(error: HTTPException):
    return render_template("errors/error.html", code=error.code), error.code


def _server_error(error: Exception):
    from course.extensions import db

    db.session.rollback()
    return render_template("errors/error.html", code=500), 500


def trust_proxies(app: Flask, hops: int) -> None:
    """Behind ``hops`` reverse proxies, take the client's address, scheme, host and port from
    the ``X-Forwarded-*`` headers they set (only the last ``hops`` values, which the trusted
    proxies wrote; anything earlier in the header came from the client and is ignored)."""
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )


def version_static_urls(app: Flask) -> None:
    """Every ``url_for("static", ...)`` carries ``?v=`` and the file's content hash, so a proxy
    may cache static files for a year (deploy/course.nginx.conf) and a release still reaches
    every browser at once. Hashes are computed once per file per process."""
    versions: dict[str, str | None] = {}
    folder = Path(app.static_folder or "")

    def add_version(endpoint: str | None, values: dict) -> None:
        name = values.get("filename")
        if endpoint != "static" or not name or "v" in values:
            return
        if name not in versions:
            try:
                versions[name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()[:12]
            except OSError:
                versions[name] = None
        if versions[name]:
            values["v"] = versions[name]

    app.url_defaults(add_version)


def init_app(app: Flask) -> None:
    trust_proxies(app, int(app.config.get("TRUSTED_PROXIES", 0)))
    version_static_urls(app)
    app.before_request(_start_request)
    app.after_request(_security_headers)
    app.teardown_request(_reset_write_intent)
    for code in ERROR_CODES:
        if code == 500:
            app.register_error_handler(500, _server_error)
        else:
            app.register_error_handler(code, _error_page)
