"""Sign-in sessions that end on the server when their owner signs out.

Flask keeps the session in a signed cookie, and Flask-Login keeps a remember-me cookie; both carry
the login id ``"<user id>:<session epoch>:<session id>"`` (``User.get_id``). A session id is new
at each sign-in and starts with the time it was made, so:

- signing out records the session id on the user's row (``User.ended_sessions``), and a copy of
  either cookie taken before the sign-out no longer loads the user. The check reads nothing but
  the user's row, which every signed-in request reads anyway (the lesson page in its one query);
- a session lives at most ``lifetime`` after its sign-in, however often its cookies are renewed,
  so an ended id can be forgotten once it is that old, and the list stays short;
- bumping the epoch (a password change or reset, or a very long list) ends every session at once.

Pure rules: no Flask, no database; the user is any object with the three attributes.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from course.accounts.models import User


#: Past this many ended sessions still within their lifetime, every session is ended instead.
MAX_ENDED = 50
_STAMP = 8  # hexadecimal digits of the start time at the head of a session id


def new_session_id(now: datetime | None = None) -> str:
    """A fresh session id: its start time (hexadecimal epoch seconds) and 72 random bits."""
    started = int(now.timestamp()) if now else int(time.time())
    return f"{started:0{_STAMP}x}{secrets.token_hex(9)}"


def started_at(session_id: str) -> int | None:
    """When the session ``session_id`` began (epoch seconds), or None if it is malformed."""
    stamp = session_id[:_STAMP]
    if len(session_id) < _STAMP + 8 or not all(c in "0123456789abcdef" for c in session_id):
        return None
    return int(stamp, 16)


def parse_login_id(token: str | None) -> tuple[int, int, str] | None:
    """``(user id, session epoch, session id)`` from a login id, or None when it is missing or
    malformed (ids from before sessions had their own id included: their owner signs in again)."""
    parts = (token or "").split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    if started_at(parts[2]) is None:
        return None
    return int(parts[0]), int(parts[1]), parts[2]


def is_alive(user: User, epoch: int, session_id: str, now: datetime, lifetime: timedelta) -> bool:
    """Whether the sign-in ``session_id`` of ``user`` (made under ``epoch``) still holds."""
    started = started_at(session_id)
    if started is None or epoch != user.session_epoch:
        return False
    if started < now.timestamp() - lifetime.total_seconds():
        return False
    return session_id not in (user.ended_sessions or {})


def end(user: User, session_id: str | None, now: datetime, lifetime: timedelta) -> None:
    """End the sign-in ``session_id`` of ``user`` (forgetting ended ones past their lifetime)."""
    started = started_at(session_id or "")
    if started is None:
        return
    oldest = now.timestamp() - lifetime.total_seconds()
    ended = {sid: at for sid, at in (user.ended_sessions or {}).items() if at >= oldest}
    ended[session_id] = started
    if len(ended) > MAX_ENDED:
        user.session_epoch += 1
        ended = {}
    user.ended_sessions = ended
