"""Account use cases: registration, sign-in, password reset and change, profile.

Services take the session, the actor and the time as arguments and only flush; the view or
command that called them commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.accounts import sessions
from course.accounts.models import User
from course.accounts.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from course.accounts.sessions import parse_login_id
from course.i18n import LOCALES

RESET_SALT = "password-reset"
WELCOME_SALT = "welcome"


class AccountError(ValueError):
    """A use case refused; ``code`` names the reason for the interface to translate."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def signed_in_user(
    session: Session, login_id: str | None, now: datetime, lifetime: timedelta
) -> User | None:
    """The user a session or remember-me cookie names, if that sign-in still holds.

    ``Session.get`` answers from the identity map when the page already read the user in its own
    query (the lesson page does), else it runs one primary-key SELECT.
    """
    parsed = parse_login_id(login_id)
    user = session.get(User, parsed[0]) if parsed else None
    if user is None or not user.is_active:
        return None
    if not sessions.is_alive(user, parsed[1], parsed[2], now, lifetime):
        return None
    user.login_session = parsed[2]
    return user


def begin_session(user: User, now: datetime) -> None:
    """Give ``user`` a new sign-in (session id) for the session about to be started."""
    user.login_session = sessions.new_session_id(now)


def sign_out(session: Session, user: User, now: datetime, lifetime: timedelta) -> None:
    """End this sign-in on the server: its session and remember-me cookies stop working."""
    sessions.end(user, user.login_session, now, lifetime)
    session.flush()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    email: str,
    password: str,
    display_name: str,
    now: datetime,
    locale: str = "zh-CN",
    is_platform_admin: bool = False,
) -> User:
    """Create an account; the e-mail must be new and the password long enough."""
    email = normalise_email(email)
    if len(password) < MIN_LENGTH:
        raise AccountError("password_too_short")
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AccountError("email_taken")
    user = User(
        email=email,
        display_name=display_name.strip() or email.split("@")[0],
        password_hash=hash_password(password),
        locale=locale if locale in LOCALES else "zh-CN",
        is_platform_admin=is_platform_admin,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str, now: datetime) -> User | None:
    """The user whose e-mail and password match, or None; same cost either way."""
    user = find_user_by_email(session, email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    session.flush()
    return user


def deactivate_user(session: Session, user: User, now: datetime) -> User:
    """A platform admin closes the account everywhere; every session ends at once."""
    if user.deactivated_at is None:
        user.deactivated_at = now
        user.session_epoch += 1
        session.flush()
    return user


def reactivate_user(session: Session, user: User) -> User:
    user.deactivated_at = None
    session.flush()
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Replace the password; bumping the session epoch signs out every other session."""
    if not verify_password(user.password_hash, current):
        raise AccountError("wrong_password")
    _set_password(user, new)
    session.flush()


def _set_password(user: User, new: str) -> None:
    if len(new) < MIN_LENGTH:
        raise AccountError("password_too_short")
    user.password_hash = hash_password(new)
    user.session_epoch += 1


def update_profile(session: Session, user: User, display_name: str, locale: str) -> None:
    user.display_name = display_name.strip() or user.display_name
    if locale in LOCALES:
        user.locale = locale
    session.flush()


def _fingerprint(user: User) -> str:
    # Changes whenever the password does, so a used link (or one issued before a change) dies.
    # An imported account has no password yet: its fingerprint is that of the empty string.
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def make_reset_token(user: User, secret_key: str, salt: str = RESET_SALT) -> str:
    """A signed token for the reset link; expiry is checked when it is used.

    With ``salt=WELCOME_SALT`` it is the welcome link of an imported account, which lives
    longer (``COURSE_WELCOME_LINK_DAYS``) and cannot be used as a reset link, nor the reverse.
    """
    serializer = URLSafeTimedSerializer(secret_key, salt=salt)
    return serializer.dumps({"uid": user.id, "fp": _fingerprint(user)})


@dataclass
class ResetCheck:
    user: User | None
    problem: str | None


def check_reset_token(
    session: Session, token: str, secret_key: str, max_age: int, salt: str = RESET_SALT
) -> ResetCheck:
    """Which user a reset (or welcome) token belongs to, or why it cannot be used."""
    serializer = URLSafeTimedSerializer(secret_key, salt=salt)
    try:
        data = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        return ResetCheck(None, "expired")
    except BadSignature:
        return ResetCheck(None, "invalid")
    user = session.get(User, data.get("uid"))
    if user is None or data.get("fp") != _fingerprint(user):
        return ResetCheck(None, "used")
    return ResetCheck(user, None)


def reset_password(
    session: Session, token: str, new: str, secret_key: str, max_age: int, salt: str = RESET_SALT
) -> User:
    """Set a new password through a reset (or welcome) link; the link cannot be used again."""
    check = check_reset_token(session, token, secret_key, max_age, salt)
    if check.user is None:
        raise AccountError(f"reset_{check.problem}")
    _set_password(check.user, new)
    session.flush()
    return check.user
