"""People who sign in."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from course.accounts.sessions import new_session_id
from course.db import UTCDateTime, utcnow
from course.extensions import db


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased at the service boundary; the login name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    #: Argon2id hash (PHC string); None until the holder of an imported account sets a
    #: password through the welcome link (nobody can sign in to it before).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: Preferred interface and content language: ``zh-CN`` or ``en``.
    locale: Mapped[str] = mapped_column(String(8), default="zh-CN")
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Bumped when the password changes: every session and remember-me cookie that carries an
    #: older value stops working.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Sign-ins ended by signing out, ``{session id: started (epoch seconds)}``, kept while such a
    #: session could otherwise still be alive: a session or remember-me cookie copied before the
    #: sign-out stops working (``accounts.sessions``).
    ended_sessions: Mapped[dict | None] = mapped_column(JSON)

    #: The sign-in this object was loaded for (not stored): set by ``accounts.sessions``.
    login_session = None
    #: Set when a platform admin deactivates the account: it signs in nowhere until reactivated.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the person's data was erased at their request (the row stays, anonymised).
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Notification kinds the person turned off (see ``course.notifications.KINDS``).
    notification_opt_outs: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses to sign in an inactive user
        return self.deactivated_at is None and self.deleted_at is None

    def get_id(self) -> str:
        """``"<user id>:<session epoch>:<session id>"``: what the session and the remember-me
        cookie carry."""
        if not self.login_session:
            self.login_session = new_session_id()
        return f"{self.id}:{self.session_epoch}:{self.login_session}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"
