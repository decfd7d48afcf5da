"""One row per notification owed to a person: written once (unique per person, kind and
subject), then marked sent. The row is what makes each notification go out exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from course.db import UTCDateTime
from course.extensions import db


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: One of ``course.notifications.rules.KINDS``.
    kind: Mapped[str] = mapped_column(String(32))
    #: What it is about, e.g. ``assignment:12`` or ``certificate:40``.
    key: Mapped[str] = mapped_column(String(64))
    #: Values the message needs (course title, due date, serial), fixed when it was planned.
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set once the mail server accepted it (or it went to the outbox).
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: Delivery attempts so far, and the last temporary failure.
    tries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Set when delivery was given up (a permanent refusal, or too many tries).
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
