"""Rendered pages kept per state, with holes for what belongs to one request.

Some pages depend on shared, immutable data (a lesson of a course version) plus a few facts about
the reader: whether they finished the lesson, whether they are enrolled, how far they are through
the module, their language and whether they administer the platform. Such a page is rendered once
per distinct *state* and kept in this process; every request then fills the holes for the reader's
own values (their name and a CSRF token) into the kept text.

The key has no user id: two trainees in the same state share one shell. So everything a template
shows about the reader must either be part of the key or be one of the holes; ``reader_name()``
and ``csrf_token()`` are the only per-reader values the layout may print. A request that carries
flashed messages or a query string is rendered normally.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from flask import current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from course import policy
from course.i18n import current_locale

NAME_HOLE = "\x00reader-name\x00"
CSRF_HOLE = "\x00csrf-token\x00"
MAX_SHELLS = 2048
MAX_SIGNED = 8192

_shells: OrderedDict[tuple, str] = OrderedDict()
_signed: OrderedDict[str, str] = OrderedDict()  # session's raw CSRF token -> signed token
_lock = threading.Lock()


def csrf_token() -> str:
    """The request's CSRF token, or its hole while a shell is being rendered."""
    return CSRF_HOLE if g.get("rendering_shell") else signed_csrf_token()


def signed_csrf_token() -> str:
    """Flask-WTF's token for this session, signed once per session and process.

    Signing costs an HMAC key derivation and a JSON round per call. With no time limit on tokens
    (``WTF_CSRF_TIME_LIMIT = None``, the default here) a token signed earlier for the same session
    secret is exactly as valid as a new one, so it is reused; with a time limit, every request
    signs afresh.
    """
    raw = session.get("csrf_token")
    reusable = current_app.config.get("WTF_CSRF_TIME_LIMIT") is None
    if reusable and raw and "csrf_token" not in g:
        with _lock:
            signed = _signed.get(raw)
        if signed is not None:
            g.csrf_token = signed
    token = generate_csrf()
    if reusable:
        with _lock:
            _signed[session["csrf_token"]] = token
            _signed.move_to_end(session["csrf_token"])
            while len(_signed) > MAX_SIGNED:
                _signed.popitem(last=False)
    return token


def reader_name() -> str:
    """The signed-in reader's name, or its hole while a shell is being rendered."""
    if g.get("rendering_shell"):
        return NAME_HOLE
    return current_user.display_name if current_user.is_authenticated else ""


def render(template: str, state: tuple[Hashable, ...], **context) -> str:
    """``render_template(template, **context)``, kept per ``state`` and the layout's own inputs.

    ``state`` must name everything in ``context`` that can differ between readers of the page.
    """
    if request.query_string or session.get("_flashes"):
        return render_template(template, **context)
    key = (
        template,
        request.path,
        current_locale(),
        current_user.is_authenticated,
        policy.can(current_user, "platform.admin"),
        *state,
    )
    with _lock:
        shell = _shells.get(key)
        if shell is not None:
            _shells.move_to_end(key)
    if shell is None:
        g.rendering_shell = True
        try:
            shell = render_template(template, **context)
        finally:
            g.rendering_shell = False
        with _lock:
            _shells[key] = shell
            while len(_shells) > MAX_SHELLS:
                _shells.popitem(last=False)
    return fill(shell)


def fill(shell: str) -> str:
    """The shell with this request's reader name and CSRF token in its holes."""
    name = str(escape(reader_name()))
    return shell.replace(CSRF_HOLE, signed_csrf_token()).replace(NAME_HOLE, name)


def clear() -> None:
    with _lock:
        _shells.clear()
        _signed.clear()
