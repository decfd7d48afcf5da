"""Who may do what: the one place access is decided.

Every view asks ``require(user, action, target)``; nothing else in the code base compares roles.
Actions are strings named ``area.verb``; a rule takes the user (authenticated) and the target and
answers yes or no. Areas add their rules to ``RULES`` below.

Roles come from memberships (one per organisation); ``is_platform_admin`` is the only global
role. A user's memberships are read once per request and cached on ``flask.g``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, has_request_context
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from course.extensions import db
from course.orgs.models import Membership, Organisation


def roles_of(user) -> dict[int, str]:
    """``{organisation_id: role}`` for the user, memoised per request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    cache = g.setdefault("_roles", {}) if has_request_context() else {}
    if user.id not in cache:
        rows = db.session.execute(
            select(Membership.organisation_id, Membership.role).where(Membership.user_id == user.id)
        )
        cache[user.id] = {org_id: role for org_id, role in rows}
    return cache[user.id]


def _org_id(target: Any) -> int | None:
    if target is None:
        return None
    if isinstance(target, int):
        return target
    if isinstance(target, Organisation):
        return target.id
    return getattr(target, "organisation_id", None)


def has_role(user, target, *roles: str) -> bool:
    """True when the user holds one of ``roles`` in the target's organisation."""
    org_id = _org_id(target)
    return org_id is not None and roles_of(user).get(org_id) in roles


def administers(user, target) -> bool:
    return user.is_platform_admin or has_role(user, target, "org_admin")


def teaches_somewhere(user) -> bool:
    return user.is_platform_admin or any(
        role in ("instructor", "org_admin") for role in roles_of(user).values()
    )


def administers_somewhere(user) -> bool:
    return user.is_platform_admin or "org_admin" in roles_of(user).values()


Rule = Callable[[Any, Any], bool]

RULES: dict[str, Rule] = {
    # platform
    "platform.admin": lambda user, _: user.is_platform_admin,
    "org.create": lambda user, _: user.is_platform_admin,
    # one organisation
    "org.view": lambda user, org: user.is_platform_admin or _org_id(org) in roles_of(user),
    "org.manage": administers,
    "org.members.manage": administers,
    "org.cohorts.manage": administers,
    "org.reports.view": administers,
    # dashboards
    "dashboard.teach": lambda user, _: teaches_somewhere(user),
    "dashboard.administer": lambda user, _: administers_somewhere(user),
}


def can(user, action: str, target: Any = None) -> bool:
    """Whether ``user`` may perform ``action`` on ``target``; anonymous users may not."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    try:
        rule = RULES[action]
    except KeyError:
        raise KeyError(f"no access rule for {action!r}") from None
    return bool(rule(user, target))


def require(user, action: str, target: Any = None) -> None:
    """Raise 403 unless ``can(user, action, target)``."""
    if not can(user, action, target):
        raise Forbidden()
