"""Background work for accounts and invitations: sending e-mail."""

from __future__ import annotations

from course.jobs import app_context, huey
from course.mail import MailError, send_mail

#: A temporary mail failure is tried again after 30 s, 1 min, 2 min, ... (about 30 min in all).
MAIL_RETRIES = 6


@huey.task(retries=MAIL_RETRIES, retry_delay=30, retry_backoff=2)
def send_mail_task(to: str, subject: str, body: str) -> str | None:
    """Send one e-mail in the background; returns the outbox key when there is one.

    A temporary failure raises, so huey retries with a growing delay; a permanent refusal is
    logged (and counted) by ``send_mail`` and not retried."""
    with app_context():
        try:
            return send_mail(to, subject, body)
        except MailError as exc:
            if exc.permanent:
                return None
            raise
