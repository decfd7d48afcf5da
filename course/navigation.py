"""The header's menu: each role's places, so nobody has to type a URL to find their work.

What the menu offers depends on the reader's roles, which live in the database. The lesson page
is tuned to one SQL statement and is rendered once per reader *state* (``course.shells``), so
the menu is read once per session and kept in the signed session cookie; the dashboard (where
every sign-in lands) refreshes it. The menu is navigation only: every page still asks
``course.policy`` on every request, so a menu a few minutes stale after a role change shows a
link that answers 403, never a page it should not.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from flask import session
from flask_login import current_user

if TYPE_CHECKING:
    from course.accounts.models import User


#: At most this many organisations are listed by name; more are reached from the dashboard.
MAX_ORGS = 5


def summary(user: User) -> dict:
    """The reader's roles as the menu needs them (one query, through ``policy.roles_of``)."""
    from sqlalchemy import select

    from course import policy
    from course.extensions import db
    from course.orgs.models import Organisation

    roles = policy.roles_of(user)
    administered = [org_id for org_id, role in roles.items() if role == "org_admin"]
    orgs = []
    if administered:
        rows = db.session.execute(
            select(Organisation.slug, Organisation.name)
            .where(Organisation.id.in_(administered))
            .order_by(Organisation.slug)
            .limit(MAX_ORGS)
        )
        orgs = [[slug, name] for slug, name in rows]
    return {
        "teach": bool(user.is_platform_admin or policy.teaches_somewhere(user)),
        "orgs": orgs,
        "platform": bool(user.is_platform_admin),
    }


def remember(user: User) -> None:
    """Store the reader's menu in the session (at the dashboard, after every sign-in)."""
    menu = summary(user)
    session["menu"] = menu
    session["menu_key"] = hashlib.sha1(
        json.dumps(menu, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()[:12]


def menu() -> dict | None:
    """The kept menu for the template, or None (signed out, or not read yet)."""
    if not current_user.is_authenticated:
        return None
    return session.get("menu")


def state() -> str:
    """What the rendered header depends on, for the shell cache's key."""
    return session.get("menu_key", "") if current_user.is_authenticated else ""
