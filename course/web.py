"""Request-level plumbing: security headers, error pages, safe redirects, write intent, and
the guard that turns hostile input (control characters, NUL bytes) into a 400 before any view."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.globals import request_ctx
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from course import media, safejson
from course.db import write_intent

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

#: Every uploaded or packaged file is served under this policy: nothing loads, nothing runs, and
#: a document opened directly is a sandbox (a unique origin, no script, no forms).
UNTRUSTED_FILE_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ERROR_CODES = (400, 403, 404, 405, 413, 429, 500)


#: Control characters: never in an address, a query or a one-line field.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: In form values, line breaks and tabs are text (a textarea); other control characters are not.
FORM_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BoundedInt(IntegerConverter):
    """``<int:...>`` in addresses stops at the largest id a database column holds (32-bit on
    PostgreSQL), so a huge number is a 404, never a query the database refuses."""

    def __init__(self, url_map: Map, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


class HostileInput(BadRequest):
    """A request carrying what no page of the platform sends (a 400 with a message for people)."""

    def __init__(self, message: str) -> None:
        super().__init__(description=str(message))


def safe_next_url(target: str | None) -> str | None:
    """Only same-site paths are followed after signing in (no open redirects): no scheme, no
    host, no ``//`` or ``/\\`` (which browsers read as another host), no control characters."""
    if not target or CONTROL.search(target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def checked_json(data: bytes) -> None:
    """Refuse (400) a request body or upload that is JSON beyond the limits of ``safejson``
    (too large or too deeply nested); anything else is left to the view to judge."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith((b"{", b"[")):
        return
    try:
        safejson.loads(data)
    except safejson.JSONInputError as error:
        if error.reason == "depth":
            levels = safejson.MAX_DEPTH
            raise HostileInput(
                _l("The JSON is nested more than %(levels)s levels deep.", levels=levels)
            ) from None
        if error.reason == "size":
            raise HostileInput(_l("The JSON is too large.")) from None


def _refuse_hostile_input() -> None:
    """Refuse control characters in the path and the query, NUL and other non-text control
    characters in form fields and file names, and JSON bodies beyond ``safejson``'s limits or
    that are not an object (forms read JSON bodies as fields), before any view reads them (a NUL
    reaches the database as text that SQLite's full-text search and PostgreSQL both refuse)."""
    if CONTROL.search(request.path):
        raise HostileInput(_l("The address contains control characters."))
    for key, value in request.args.items(multi=True):
        if CONTROL.search(key) or CONTROL.search(value):
            raise HostileInput(_l("The address contains control characters."))
    if request.method in SAFE_METHODS:
        return
    if request.is_json:
        data = request.get_data(cache=True)
        checked_json(data)
        try:
            body = safejson.loads(data)
        except safejson.JSONInputError:
            return  # not JSON after all: the view judges the bytes
        if not isinstance(body, dict):
            raise HostileInput(_l("A JSON request body must be an object."))
        return
    if request.mimetype not in FORM_TYPES:
        return
    for key, value in request.form.items(multi=True):
        if CONTROL.search(key) or FORM_CONTROL.search(value):
            raise HostileInput(_l("A field contains control characters that text cannot hold."))
    for key, upload in request.files.items(multi=True):
        if CONTROL.search(key) or CONTROL.search(upload.filename or ""):
            raise HostileInput(_l("A file name contains control characters."))


def writes_on_get(view: Callable) -> Callable:
    """Mark a GET view that may write (render-once caches, keys made on first use), so its
    SQLite transaction begins immediately like a POST's."""
    view.writes_on_get = True
    return view


def _start_request():
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    safe = request.method in SAFE_METHODS and not getattr(view, "writes_on_get", False)
    write_intent.set(not safe)
    _refuse_hostile_input()


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


def send_untrusted(
    data: bytes, name: str, *, cache_control: str, etag: str | None = None
) -> Response:
    """The one serving point for uploaded and packaged files (course assets, draft assets,
    branding): the media type is judged from the content (``course.media.sniff``), the
    sandboxing policy and ``nosniff`` always apply, and anything that is not an image, sound or
    video is a download."""
    media_type = media.sniff(data)
    if media_type not in media.PACKAGE_TYPES:
        media_type = "application/octet-stream"
    response = Response(data, mimetype=media_type)
    response.headers["Content-Security-Policy"] = UNTRUSTED_FILE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = cache_control
    if not media.is_inline(media_type):
        response.headers.set("Content-Disposition", "attachment", filename=name.rsplit("/", 1)[-1])
    if etag:
        response.set_etag(etag)
    return response.make_conditional(request, accept_ranges=True)


def _error_page(error: HTTPException):
    if request_ctx.url_adapter is None:
        # The request names a host outside TRUSTED_HOSTS: no URL can be built for it, so the
        # answer is plain text rather than the site's page.
        return Response(f"{error.code} {error.name}\n", error.code, mimetype="text/plain")
    message = error.description if isinstance(error, HostileInput) else None
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=message or error.name), error.code
    return render_template("errors/error.html", code=error.code, message=message), error.code


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
    app.url_map.converters["int"] = BoundedInt
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
