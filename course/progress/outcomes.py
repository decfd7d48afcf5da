"""Outcome providers: how progress learns what a trainee achieved in the areas after it.

Quizzes and cases report their events to progress (``progress.service.record`` and
``update_completion``), so progress must not import them back. Instead each area registers a
provider: a function ``(session, user_id, course_id) -> {item slug: fact}`` that answers with
plain facts (``completion.QuizFact``, ``completion.CaseFact``). ``create_app`` wires the providers
explicitly; course completion loops over them. A kind with no provider has no facts (nothing of
that kind is met). Tests register a fake provider for a kind to decide its facts themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

#: The kinds of outcome completion reads (``CompletionFacts.quizzes`` and ``.case_outcomes``).
KINDS = ("quizzes", "cases")

OutcomeProvider = Callable[[Session, int, int], Mapping[str, Any]]

PROVIDERS: dict[str, OutcomeProvider] = {}


def register(kind: str, provider: OutcomeProvider | None) -> OutcomeProvider | None:
    """Make ``provider`` answer for ``kind`` (``None`` removes it); returns the one it replaced,
    so a caller can put it back."""
    if kind not in KINDS:
        raise ValueError(f"unknown outcome kind {kind!r}; known: {', '.join(KINDS)}")
    previous = PROVIDERS.pop(kind, None)
    if provider is not None:
        PROVIDERS[kind] = provider
    return previous


def collect(session: Session, user_id: int, course_id: int) -> dict[str, Mapping[str, Any]]:
    """Every registered provider's facts for the trainee in the course, by kind (each kind
    present, empty when nothing provides it)."""
    found: dict[str, Mapping[str, Any]] = {kind: {} for kind in KINDS}
    for kind, provider in PROVIDERS.items():
        found[kind] = provider(session, user_id, course_id)
    return found
