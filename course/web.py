"""Request-level plumbing: security headers, error pages, safe redirects, write intent."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException

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


def writes_on_get(view):
    """Mark a GET view that may write (render-once caches, keys made on first use), so its
    SQLite transaction begins immediately like a POST's."""
    view.writes_on_get = True
    return view


def _start_request():
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    safe = request.method in SAFE_METHODS and not getattr(view, "writes_on_get", False)
    write_intent.set(not safe)


def _reset_write_intent(_exc=None):
    write_intent.set(True)


def _security_headers(response):
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


def init_app(app: Flask) -> None:
    app.before_request(_start_request)
    app.after_request(_security_headers)
    app.teardown_request(_reset_write_intent)
    for code in ERROR_CODES:
        if code == 500:
            app.register_error_handler(500, _server_error)
        else:
            app.register_error_handler(code, _error_page)
