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

from collections.abc import Hashable

from flask import current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from course import navigation, policy
from course.i18n import current_locale
from course.memo import Memo

NAME_HOLE = "\x00reader-name\x00"
CSRF_HOLE = "\x00csrf-token\x00"

#: The layout's inputs and the page's state -> the rendered page with its holes.
_shells = Memo(2048)
#: A session's raw CSRF token -> its signed token.
_signed = Memo(8192)


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
    if raw and current_app.config.get("WTF_CSRF_TIME_LIMIT") is None:
        # On a miss generate_csrf signs the session's token; on a hit the kept one is handed to
        # Flask-WTF through ``g``, where it looks for this request's token first.
        g.csrf_token = _signed.get(raw, generate_csrf)
    return generate_csrf()


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
        navigation.state(),
        *state,
    )
    return fill(_shells.get(key, lambda: _render_shell(template, context)))


def _render_shell(template: str, context: dict) -> str:
    g.rendering_shell = True
    try:
        return render_template(template, **context)
    finally:
        g.rendering_shell = False


def fill(shell: str) -> str:
    """The shell with this request's reader name and CSRF token in its holes."""
    name = str(escape(reader_name()))
    return shell.replace(CSRF_HOLE, signed_csrf_token()).replace(NAME_HOLE, name)


def clear() -> None:
    _shells.clear()
    _signed.clear()
