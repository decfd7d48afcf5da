"""Reading learning records back as xAPI statements, for the export command and downloads."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.accounts.models import User
from course.progress import xapi
from course.progress.models import LearningRecord


def absolute(iri: str, base_url: str) -> str:
    """Expand a site-relative IRI (``/courses/...``) with the base URL; others are kept."""
    return base_url.rstrip("/") + iri if iri.startswith("/") else iri


def to_statement(record: LearningRecord, user: User, base_url: str) -> dict:
    """One stored record as a complete xAPI statement: the one fixed when it was recorded, or
    (for records made before statements were stored) one built now under ``base_url``."""
    if record.statement is not None:
        return record.statement
    context = copy.deepcopy(record.context or {})
    parents = context.get("contextActivities", {}).get("parent", [])
    for parent in parents:
        parent["id"] = absolute(parent["id"], base_url)
    return xapi.statement(
        record.id,
        xapi.Actor(base_url.rstrip("/"), str(user.id), user.display_name),
        record.verb,
        absolute(record.object_id, base_url),
        record.timestamp,
        object_type=record.object_type,
        result=record.result,
        context=context,
    )


def statements(
    session: Session,
    base_url: str,
    since: datetime | None = None,
    user_id: int | None = None,
    batch: int = 500,
) -> Iterator[dict]:
    """Statements in time order, optionally from ``since`` on and for one user, streamed."""
    query = (
        select(LearningRecord, User)
        .join(User, User.id == LearningRecord.user_id)
        .order_by(LearningRecord.timestamp, LearningRecord.ordinal, LearningRecord.id)
        .execution_options(yield_per=batch)
    )
    if since is not None:
        query = query.where(LearningRecord.timestamp >= since)
    if user_id is not None:
        query = query.where(LearningRecord.user_id == user_id)
    for record, user in session.execute(query):
        yield to_statement(record, user, base_url)


def recent(session: Session, user_id: int, limit: int = 50) -> list[LearningRecord]:
    """A user's latest records, newest first (for the records page)."""
    return list(
        session.scalars(
            select(LearningRecord)
            .where(LearningRecord.user_id == user_id)
            .order_by(
                LearningRecord.timestamp.desc(),
                LearningRecord.ordinal.desc(),
                LearningRecord.id.desc(),
            )
            .limit(limit)
        )
    )
