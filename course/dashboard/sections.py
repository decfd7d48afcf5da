"""Sections of the dashboard, contributed by areas.

An area registers a loader: given the user and the time, it returns the context for its partial
template, or None when the section has nothing to show that user. The dashboard view calls each
loader once, so every section does its own (bounded) queries and templates only display.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from course.accounts.models import User


@dataclass(frozen=True)
class Section:
    name: str
    template: str
    order: int
    load: Callable[[Any, datetime], dict | None]


#: ``load(user, now) -> context or None``
Loader = Callable[[Any, datetime], dict | None]

SECTIONS: dict[str, Section] = {}


def register(name: str, template: str, order: int = 50) -> Callable[[Loader], Loader]:
    """Decorator: ``@register("my-courses", "catalog/_dashboard.html", order=10)``."""

    def decorate(load: Callable[[Any, datetime], dict | None]):
        SECTIONS[name] = Section(name, template, order, load)
        return load

    return decorate


def render_list(user: User, now: datetime) -> list[tuple[Section, dict]]:
    """The sections that have something for ``user``, in order, with their contexts."""
    shown = []
    for section in sorted(SECTIONS.values(), key=lambda s: s.order):
        context = section.load(user, now)
        if context is not None:
            shown.append((section, context))
    return shown
