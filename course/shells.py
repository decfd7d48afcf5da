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

from flask import g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from course import policy
from course.i18n import current_locale

NAME_HOLE = "\x00reader-name\x00"
CSRF_HOLE = "\x00csrf-token\x00"
MAX_SHELLS = 2048

_shells: OrderedDict[tuple, str] = OrderedDict()
_lock = threading.Lock()


def csrf_token() -> str:
    """The request's CSRF token, or its hole while a shell is being rendered."""
    return CSRF_HOLE if g.get("rendering_shell") else generate_csrf()


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
    return shell.replace(CSRF_HOLE, generate_csrf()).replace(NAME_HOLE, str(escape(reader_name())))


def clear() -> None:
    with _lock:
        _shells.clear()
