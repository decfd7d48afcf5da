"""Sending recorded statements to LRSs in batches, keeping a durable position per endpoint.

Statements go out in (timestamp, ordinal, id) order, the order they are exported in. Each
endpoint has an ``LrsPosition``: the last statement it accepted (or refused). After a batch
the caller commits, so a crash between the POST and the commit only means the batch is sent
again, which is harmless: statement ids and contents never change, and an LRS accepts an
identical statement it already holds. Statements the LRS refuses (bad request, conflict) are
found one by one, kept in ``LrsRefusal`` with the LRS's answer, and skipped. Network, server
and credential failures leave the position where it is and back off: 30 s, 1 min, 2 min...
up to an hour.

A statement is only sent once it is ``settle`` seconds old, so a transaction that recorded
statements and has not committed yet cannot be overtaken by the position.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from course.orgs.models import Membership, Organisation
from course.progress.lrs import Endpoint, LrsClient, unseal_secret
from course.progress.models import LearningRecord, LrsEndpoint, LrsPosition, LrsRefusal

if TYPE_CHECKING:
    from typing import Any


PLATFORM = "platform"
MAX_BACKOFF = timedelta(hours=1)


@dataclass
class BatchResult:
    """What one batch did: statements accepted, refused, and whether more are waiting."""

    sent: int = 0
    refused: int = 0
    more: bool = False
    error: str | None = None
    waiting: bool = False


def endpoints(session: Session, config: dict) -> list[tuple[Endpoint, int | None]]:
    """The platform's LRS (``COURSE_LRS_ENDPOINT``) and every organisation's own, each with the
    organisation whose members' statements it receives (None: everyone's)."""
    found: list[tuple[Endpoint, int | None]] = []
    if config.get("LRS_ENDPOINT"):
        found.append(
            (
                Endpoint(
                    PLATFORM,
                    config["LRS_ENDPOINT"],
                    config.get("LRS_AUTH", "basic"),
                    config.get("LRS_USERNAME", ""),
                    config.get("LRS_PASSWORD", ""),
                    config.get("LRS_TOKEN_URL", ""),
                ),
                None,
            )
        )
    rows = session.execute(
        select(LrsEndpoint, Organisation.slug)
        .join(Organisation, Organisation.id == LrsEndpoint.organisation_id)
        .order_by(Organisation.slug)
    )
    for row, slug in rows:
        secret = unseal_secret(row.sealed_secret, config["SECRET_KEY"])
        endpoint = Endpoint(
            f"org:{slug}", row.url, row.auth, row.username, secret, row.token_url or ""
        )
        found.append((endpoint, row.organisation_id))
    return found


def push_batch(
    session: Session,
    endpoint: Endpoint,
    organisation_id: int | None,
    client: LrsClient,
    now: datetime,
    batch: int = 100,
    settle: int = 60,
) -> BatchResult:
    """Send the next batch of statements to ``endpoint`` and move its position; flush only."""
    position = session.get(LrsPosition, endpoint.key)
    if position is None:
        position = LrsPosition(endpoint=endpoint.key, last_ordinal=0, last_id="", sent=0)
        position.failures = 0
        session.add(position)
    if position.retry_at is not None and position.retry_at > now:
        return BatchResult(waiting=True)
    rows = _next(session, position, organisation_id, now - timedelta(seconds=settle), batch)
    if not rows:
        return BatchResult()
    answer = client.post([row.statement for row in rows])
    result = BatchResult()
    if answer.outcome == "refused":
        # Find the refused ones: each statement alone (a batch is refused whole).
        for row in rows:
            alone = client.post([row.statement])
            if alone.outcome == "failed":
                answer = alone
                break
            if alone.outcome == "refused":
                _refuse(session, endpoint.key, row, alone.status, alone.detail, now)
                result.refused += 1
            else:
                result.sent += 1
            _advance(position, row)
        else:
            answer = None
    elif answer.outcome == "ok":
        result.sent = len(rows)
        _advance(position, rows[-1])
    if answer is not None and answer.outcome == "failed":
        position.failures = (position.failures or 0) + 1
        delay = min(timedelta(seconds=30) * 2 ** (position.failures - 1), MAX_BACKOFF)
        position.retry_at = now + delay
        position.last_error = f"{answer.status}: {answer.detail}"[:2000]
        result.error = position.last_error
    else:
        position.failures, position.retry_at, position.last_error = 0, None, None
        result.more = len(rows) == batch
    position.sent = (position.sent or 0) + result.sent
    position.updated_at = now
    session.flush()
    return result


def push_all(
    session: Session,
    config: dict,
    clock: Callable[[], datetime],
    commit: Callable[[], None],
    make_client: Callable[[Endpoint], LrsClient] = LrsClient,
    max_batches: int = 50,
) -> dict[str, int]:
    """Push to every endpoint until it is caught up, fails, or ``max_batches`` were sent;
    ``commit`` is called after each batch so the position is durable. Returns sent counts."""
    batch, settle = int(config.get("LRS_BATCH", 100)), int(config.get("LRS_SETTLE_SECONDS", 60))
    totals: dict[str, int] = {}
    for endpoint, organisation_id in endpoints(session, config):
        client = make_client(endpoint)
        try:
            for _ in range(max_batches):
                result = push_batch(
                    session, endpoint, organisation_id, client, clock(), batch, settle
                )
                commit()
                totals[endpoint.key] = totals.get(endpoint.key, 0) + result.sent
                if not result.more:
                    break
        finally:
            client.close()
    return totals


def _next(
    session: Session, position: Any, organisation_id: int | None, settled: datetime, batch: int
):
    query = select(LearningRecord).where(
        LearningRecord.statement.is_not(None), LearningRecord.timestamp <= settled
    )
    if position.last_timestamp is not None:
        last = (position.last_timestamp, position.last_ordinal, position.last_id)
        query = query.where(_after(last))
    if organisation_id is not None:
        members = select(Membership.user_id).where(Membership.organisation_id == organisation_id)
        query = query.where(LearningRecord.user_id.in_(members))
    order = (LearningRecord.timestamp, LearningRecord.ordinal, LearningRecord.id)
    return list(session.scalars(query.order_by(*order).limit(batch)))


def _after(last: tuple):
    """(timestamp, ordinal, id) > last, written out (row values compare the same way)."""
    timestamp, ordinal, record_id = last
    return or_(
        LearningRecord.timestamp > timestamp,
        and_(LearningRecord.timestamp == timestamp, LearningRecord.ordinal > ordinal),
        and_(
            LearningRecord.timestamp == timestamp,
            LearningRecord.ordinal == ordinal,
            LearningRecord.id > record_id,
        ),
    )


def _advance(position: LrsPosition, row: LearningRecord) -> None:
    position.last_timestamp, position.last_ordinal, position.last_id = (
        row.timestamp,
        row.ordinal,
        row.id,
    )


def _refuse(
    session: Session, key: str, row: LearningRecord, status: int, detail: str, now: datetime
) -> None:
    exists = session.scalar(
        select(LrsRefusal.id).where(LrsRefusal.endpoint == key, LrsRefusal.statement_id == row.id)
    )
    if exists is None:
        session.add(
            LrsRefusal(
                endpoint=key,
                statement_id=row.id,
                status=status,
                reason=detail or "refused",
                refused_at=now,
            )
        )
